// `npm start`: the local stack, left running. Settings come from local.settings.json with environment
// overrides; Azurite and the simulator start only when the settings do not point elsewhere.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { startLocalStack } from './stack';
import { repoRoot } from './settings';

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 7071);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got "${process.env.PORT}"`);
  const keyFromSettings = process.env.LOCAL_FUNCTION_KEY;
  const stack = await startLocalStack({ useLocalSettings: true, port, functionKey: keyFromSettings, log: (line) => console.log(line) });
  const samples = readdirSync(path.join(repoRoot(), 'samples', 'alerts')).filter((name) => name.endsWith('.json'));
  console.log(`\naitm-contain local host listening on ${stack.baseUrl}`);
  console.log(`  Graph:   ${stack.simulator ? `tenant simulator at ${stack.simulator.baseUrl} (control: ${stack.simulator.baseUrl}/_sim/state)` : process.env.GRAPH_BASE_URL}`);
  console.log(`  Storage: ${stack.azurite ? 'Azurite (in memory)' : 'from AzureWebJobsStorage'}`);
  // Printed on purpose: a local, throwaway key is what the curl lines below need.
  console.log(`  Function key: ${stack.functionKey}${keyFromSettings ? ' (from LOCAL_FUNCTION_KEY)' : ' (generated; set LOCAL_FUNCTION_KEY to fix it)'}`);
  console.log('\nReplay a sample alert:');
  for (const sample of samples) {
    console.log(`  curl -sS -X POST '${stack.baseUrl}/api/contain' -H 'content-type: application/json' -H 'x-functions-key: ${stack.functionKey}' --data @samples/alerts/${sample}`);
  }
  console.log(`\nIncidents: curl -sS '${stack.baseUrl}/api/incidents' -H 'x-functions-key: ${stack.functionKey}'`);
  console.log('Ctrl+C stops everything.');
  const shutdown = () => {
    stack.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(`start failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
