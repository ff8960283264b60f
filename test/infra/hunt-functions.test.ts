// The saved searches Bicep deploys (infra/sentinel/hunt-functions.bicep) carry the same query text, function
// names and parameters the Function App runs: Bicep loads them from the JSON the code builds its queries
// from, and every runbook hunt (4.1-4.3) is among them. bicep-cli.test.ts compiles the file.
import fs from 'node:fs';
import path from 'node:path';
import { LOG_ANALYTICS_QUERIES, logAnalyticsQuery, parseParameters } from '../../shared/hunting/hunt-queries';

const ROOT = path.resolve(__dirname, '../..');
const BICEP = fs.readFileSync(path.join(ROOT, 'infra/sentinel/hunt-functions.bicep'), 'utf8');

describe('Sentinel hunt functions', () => {
  test('Bicep loads the query text from the file the code reads', () => {
    const load = /loadJsonContent\('([^']+)'\)\.logAnalytics/.exec(BICEP);
    expect(load).not.toBeNull();
    const file = path.resolve(ROOT, 'infra/sentinel', load![1]);
    expect(path.relative(ROOT, file)).toBe(path.join('shared', 'hunting', 'hunt-query-text.json'));
    const source = JSON.parse(fs.readFileSync(file, 'utf8')) as { logAnalytics: typeof LOG_ANALYTICS_QUERIES };
    expect(source.logAnalytics).toEqual(LOG_ANALYTICS_QUERIES);
  });

  test('each function takes its query, alias and parameters from that file', () => {
    expect(BICEP).toMatch(/^\s+functionAlias: hunt\.value\.functionAlias$/m);
    expect(BICEP).toMatch(/^\s+functionParameters: hunt\.value\.parameters$/m);
    expect(BICEP).toMatch(/^\s+query: hunt\.value\.query$/m);
    expect(BICEP).toMatch(/savedSearches@[\d-]+' = \[\s+for hunt in items\(hunts\)/);
  });

  test('the runbook hunts 4.1-4.3 are functions, and the code runs exactly their body after its lets', () => {
    const aliases = Object.values(LOG_ANALYTICS_QUERIES).map((q) => q.functionAlias);
    expect(aliases).toEqual(expect.arrayContaining(['AitmHuntIpSignIns', 'AitmHuntUserAgent', 'AitmHuntForwardingAddress']));
    const query = logAnalyticsQuery('ipSignIns', { ip: { string: '198.51.100.23' } });
    const lets = parseParameters(LOG_ANALYTICS_QUERIES.ipSignIns.parameters).length;
    expect(query.split('\n').slice(lets).join('\n')).toBe(LOG_ANALYTICS_QUERIES.ipSignIns.query);
  });
});
