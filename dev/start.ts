// `npm start`: the local stack, left running. Settings come from local.settings.json with environment
// overrides; Azurite and the simulator start only when the settings do not point elsewhere. The curl
// lines it prints take the real paths: the `contain` function key for alerts, and analysts' user tokens
// issued by the simulator for reading and deciding.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { SCENARIO_ANALYSTS } from './simulator';
import { startLocalStack } from './stack';
import { repoRoot } from './settings';

/** Analysts' tokens are good for this long: a working day of poking at the local host. */
const TOKEN_LIFETIME_SECONDS = 12 * 3600;

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 7071);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got "${process.env.PORT}"`);
  const keyFromSettings = process.env.LOCAL_FUNCTION_KEY;
  const stack = await startLocalStack({
    useLocalSettings: true,
    port,
    functionKey: keyFromSettings,
    hostKey: process.env.LOCAL_HOST_KEY,
    log: (line) => console.log(line),
  });
  const samples = readdirSync(path.join(repoRoot(), 'samples', 'alerts')).filter((name) => name.endsWith('.json'));
  const base = stack.baseUrl;
  console.log(`\naitm-contain local host listening on ${base}`);
  console.log(
    `  Graph:   ${stack.simulator ? `tenant simulator at ${stack.simulator.baseUrl} (control: ${stack.simulator.baseUrl}/_sim/state)` : process.env.GRAPH_BASE_URL}`,
  );
  console.log(`  Storage: ${stack.azurite ? 'Azurite (in memory)' : 'from AzureWebJobsStorage'}`);
  // Printed on purpose: local, throwaway credentials are what the curl lines below need.
  console.log(
    `  contain function key: ${stack.functionKey}${keyFromSettings ? ' (from LOCAL_FUNCTION_KEY)' : ' (generated; set LOCAL_FUNCTION_KEY to fix it)'}; it opens POST /api/contain only`,
  );
  console.log('\nReplay a sample alert (the alert source: the contain function key):');
  for (const sample of samples) {
    console.log(
      `  curl -sS -X POST '${base}/api/contain' -H 'content-type: application/json' -H 'x-functions-key: ${stack.functionKey}' --data @samples/alerts/${sample}`,
    );
  }
  if (stack.simulator && stack.audience) {
    const { approver, reader } = SCENARIO_ANALYSTS;
    const issue = (analyst: 'approver' | 'reader') =>
      stack.simulator!.identity.issueToken({ audience: stack.audience!, analyst, expiresInSeconds: TOKEN_LIFETIME_SECONDS });
    const [approverToken, readerToken] = await Promise.all([issue('approver'), issue('reader')]);
    console.log(
      `\nRead incidents as ${reader.userPrincipalName} (${reader.roles.join(', ')}; a user token from the simulator's issuer, valid 12 h):`,
    );
    console.log(`  curl -sS '${base}/api/incidents' -H 'authorization: Bearer ${readerToken}'`);
    console.log(`  curl -sS '${base}/api/incidents/<incident id>' -H 'authorization: Bearer ${readerToken}'`);
    console.log(`\nApprove (or /reject) a held incident as ${approver.userPrincipalName} (${approver.roles.join(', ')}):`);
    console.log(
      `  curl -sS -X POST '${base}/api/incidents/<incident id>/approve' -H 'authorization: Bearer ${approverToken}' -H 'content-type: application/json' --data '{"comment": "checked with the user"}'`,
    );
    console.log(
      `More tokens: curl -sS -X POST '${stack.simulator.baseUrl}/_sim/tokens' -d '{"audience": "${stack.audience}", "analyst": "approver"}'`,
    );
  } else {
    console.log(
      "\nReading and approving need an analyst's Entra ID user token for WEBHOOK_AUDIENCE (or APPROVAL_AUTH=function-key in a lab).",
    );
  }
  console.log('Ctrl+C stops everything.');
  const shutdown = () => {
    stack.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(`start failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
