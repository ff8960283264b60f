// @ts-check
// jest's order of test files, slowest first so that no long file starts last and leaves one worker
// running it alone. jest knows each file's duration from its previous runs (kept in its cache); a fresh
// clone, as in CI, has none, and jest then orders by file size, which put the 50-second blast-radius file
// (107 lines) near the end. There the durations below stand in: seconds measured on the shared 2-core
// machine, rounded. They decide the order only; a stale figure costs time, never a result.
'use strict';

const path = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;

/** Seconds, by path under test/: the files over 5 s. A file not listed counts as 1 s. */
const MEASURED_SECONDS = {
  'integration/blast-radius.test.ts': 30,
  'integration/campaign-scale.test.ts': 25,
  'integration/safety-snapshot.test.ts': 20,
  'integration/blast-radius-outage.test.ts': 17,
  'infra/package.test.ts': 16,
  'integration/eradication.test.ts': 15,
  'browser/console.test.ts': 14,
  'integration/approvals-auth.test.ts': 13,
  'integration/start-output.test.ts': 12,
  'integration/contain.test.ts': 12,
  'integration/storage-outage.test.ts': 12,
  'integration/blast-radius-instances.test.ts': 11,
  'integration/safety.test.ts': 11,
  'infra/bicep-cli.test.ts': 10,
  'integration/incident-list.test.ts': 8,
  'integration/azurite.test.ts': 8,
  'infra/scripts.test.ts': 8,
  'integration/hunt-log-analytics.test.ts': 7,
  'integration/start-settings.test.ts': 7,
  'integration/diagnosis-log-analytics.test.ts': 6,
  'infra/lint-rules.test.ts': 6,
};

const TEST_ROOT = path.join(__dirname, '..');

class SlowestFirst extends Sequencer {
  /** @param {import('@jest/test-result').Test} test */
  time(test) {
    const relative = path.relative(TEST_ROOT, test.path).split(path.sep).join('/');
    const measured = /** @type {Record<string, number | undefined>} */ (MEASURED_SECONDS)[relative];
    return super.time(test) ?? (measured ?? 1) * 1000;
  }
}

module.exports = SlowestFirst;
