// `npm start`: the local stack, left running. Settings come from local.settings.json with environment
// overrides; Azurite and the simulator start only when the settings do not point elsewhere. It prints the
// console's URL and the containment mode in force, and curl lines that take the real paths: for alerts the
// `contain` function key, or, in caller-token mode (WEBHOOK_ALLOWED_CALLERS), an allowed caller's app token
// issued by the simulator (a key would get 401 there); analysts' user tokens for reading and deciding.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, takesAppTokens, type Config } from '../shared/config';
import { SCENARIO_ANALYSTS, SCENARIO_CALLER } from './simulator';
import { startLocalStack } from './stack';
import { repoRoot } from './settings';

/** Analysts' tokens are good for this long: a working day of poking at the local host. */
const TOKEN_LIFETIME_SECONDS = 12 * 3600;

const MODES: Readonly<Record<Config['containmentMode'], string>> = {
  enforce: 'enforce: alerts revoke sessions and disable accounts in the (simulated) tenant',
  'dry-run': 'dry-run: the Graph requests are recorded on the incident, none is sent',
  off: 'off: every alert is recorded and held for a human, nothing is sent',
};

/** The app id an allowed caller's token names: the simulator's playbook identity if allowed, else the first entry. */
function callerAppId(allowed: ReadonlySet<string>): string | undefined {
  if (allowed.has(SCENARIO_CALLER.appId) || allowed.has(SCENARIO_CALLER.objectId)) return undefined;
  return [...allowed][0];
}

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
  const config = loadConfig();
  const appTokens = takesAppTokens(config);
  console.log(`\naitm-contain local host listening on ${base}`);
  console.log(`  Console: http://localhost:${new URL(base).port}/api/console`);
  console.log(`  Containment mode: ${MODES[config.containmentMode]}`);
  console.log(
    `  Graph:   ${stack.simulator ? `tenant simulator at ${stack.simulator.baseUrl} (control: ${stack.simulator.baseUrl}/_sim/state)` : process.env.GRAPH_BASE_URL}`,
  );
  console.log(`  Storage: ${stack.azurite ? 'Azurite (in memory)' : 'from AzureWebJobsStorage'}`);
  let alertHeader: string;
  if (appTokens) {
    const allowed = config.callerTokens?.allowedCallers ?? new Set<string>();
    if (stack.simulator && stack.audience) {
      const token = await stack.simulator.identity.issueToken({
        audience: stack.audience,
        appId: callerAppId(allowed),
        expiresInSeconds: TOKEN_LIFETIME_SECONDS,
      });
      alertHeader = `authorization: Bearer ${token}`;
      console.log(
        "  contain takes an allowed caller's app token (WEBHOOK_ALLOWED_CALLERS), not a key: the lines below carry one the simulator issued, valid 12 h",
      );
    } else {
      alertHeader = 'authorization: Bearer <app token of a caller in WEBHOOK_ALLOWED_CALLERS>';
      console.log("  contain takes an allowed caller's app token (WEBHOOK_ALLOWED_CALLERS), not a key");
    }
  } else {
    alertHeader = `x-functions-key: ${stack.functionKey}`;
    // Printed on purpose: local, throwaway credentials are what the curl lines below need.
    console.log(
      `  contain function key: ${stack.functionKey}${keyFromSettings ? ' (from LOCAL_FUNCTION_KEY)' : ' (generated; set LOCAL_FUNCTION_KEY to fix it)'}; it opens POST /api/contain only`,
    );
  }
  console.log(`\nReplay a sample alert (the alert source: ${appTokens ? "an allowed caller's app token" : 'the contain function key'}):`);
  for (const sample of samples) {
    console.log(
      `  curl -sS -X POST '${base}/api/contain' -H 'content-type: application/json' -H '${alertHeader}' --data @samples/alerts/${sample}`,
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
    console.log(`  curl -sS '${base}/api/incidents/<incident id>/report' -H 'authorization: Bearer ${readerToken}'   (?format=json)`);
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
