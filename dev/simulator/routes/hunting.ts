// Graph `security/runHuntingQuery`: a Defender XDR advanced hunting stand-in over the seeded tenant's
// EntraIdSignInEvents (and AADSignInEventsBeta, the name it replaced) and CloudAppEvents. Like the Log
// Analytics stand-in, each query is parsed by the Kusto analyzer and evaluated; one it cannot evaluate
// is refused with a 400, rather than answered with a guess.
import { outputValue } from '../../kusto/evaluate';
import { badRequest, GraphHttpError } from '../errors';
import { isRecord } from '../json';
import { runKusto } from '../log-analytics';
import { METADATA } from '../odata';
import type { GraphRoute } from '../router';
import type { SimulatedTenant } from '../tenant';

const DEFENDER_TYPES: Readonly<Record<string, string>> = {
  int: 'Int32',
  long: 'Int64',
  real: 'Double',
  bool: 'Boolean',
  datetime: 'DateTime',
  dynamic: 'Object',
  string: 'String',
};

export function answerHuntingQuery(tenant: SimulatedTenant, body: unknown, now: () => Date): object {
  if (!isRecord(body) || typeof body.Query !== 'string') throw badRequest('The request body must be {"Query": "<KQL>"}.');
  let table;
  try {
    table = runKusto(tenant, body.Query, 'defender', now);
  } catch (error) {
    if (error instanceof GraphHttpError) throw badRequest(error.message);
    throw error;
  }
  return {
    '@odata.context': `${METADATA}#microsoft.graph.security.huntingQueryResults`,
    schema: table.columns.map(([name, type]) => ({ name, type: DEFENDER_TYPES[type] ?? 'String' })),
    results: table.rows.map((row) => Object.fromEntries(table.columns.map(([name]) => [name, outputValue(row[name])]))),
  };
}

export const huntingRoutes: readonly GraphRoute[] = [
  {
    method: 'POST',
    path: 'security/runHuntingQuery',
    query: [],
    handle: ({ tenant, body, now }) => ({ status: 200, body: answerHuntingQuery(tenant, body, now) }),
  },
];
