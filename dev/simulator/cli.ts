// Runs the tenant simulator on its own, for curl users and the local demo:
//   node -r ./scripts/register-ts.js dev/simulator/cli.ts [--port 7080] [--latency-ms 0]
import { startTenantSimulator } from './server';

function option(name: string): number | undefined {
  const index = process.argv.indexOf(`--${name}`);
  if (index === -1) return undefined;
  const value = Number(process.argv[index + 1]);
  if (!Number.isFinite(value)) throw new Error(`--${name} needs a number`);
  return value;
}

async function main(): Promise<void> {
  const simulator = await startTenantSimulator({ port: option('port') ?? 7080, latencyMs: option('latency-ms') });
  console.log(`Tenant simulator: ${simulator.baseUrl}/v1.0 (control: ${simulator.baseUrl}/_sim/state)`);
  console.log(`Token issuer: ${simulator.baseUrl}/${simulator.identity.tenantId}/v2.0/.well-known/openid-configuration`);
  const shutdown = (): void => void simulator.stop().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
