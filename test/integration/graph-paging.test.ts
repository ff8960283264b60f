// Paging through our Graph client over real HTTP: the simulator's absolute http:// nextLinks (which
// graph-client v3 would mangle) are followed to the last page.
import { startTenantSimulator, type TenantSimulator } from '../../dev/simulator';
import { parseConfig } from '../../shared/config';
import { createGraphClient } from '../../shared/graph/client';
import { listAll } from '../../shared/graph/paging';

let simulator: TenantSimulator;

beforeAll(async () => {
  simulator = await startTenantSimulator();
});

afterAll(async () => {
  await simulator?.stop();
});

function client() {
  return createGraphClient(
    parseConfig({ AzureWebJobsStorage: 'UseDevelopmentStorage=true', GRAPH_BASE_URL: simulator.baseUrl, GRAPH_AUTH: 'none' }).graph,
  );
}

it('follows every nextLink and returns each user once', async () => {
  simulator.clearRequestLog();
  const { items, truncated } = await listAll(client(), simulator.baseUrl, '/users?$top=2&$select=id,userPrincipalName');
  const upns = items.map((item) => (item as { userPrincipalName: string }).userPrincipalName);
  expect(truncated).toBe(false);
  expect(new Set(upns).size).toBe(simulator.tenant.users.length);
  expect(simulator.requestLog.length).toBe(Math.ceil(simulator.tenant.users.length / 2));
  expect(simulator.requestLog.slice(1).every((entry) => entry.query.includes('skiptoken'))).toBe(true);
});

it('stops at maxItems and says the result is truncated', async () => {
  const { items, truncated } = await listAll(client(), simulator.baseUrl, '/users?$top=2', { maxItems: 3 });
  expect(items).toHaveLength(3);
  expect(truncated).toBe(true);
});

it('keeps the Graph error of a failed page', async () => {
  await expect(listAll(client(), simulator.baseUrl, '/users/nobody@wingtip-lab.example/ownedDevices')).rejects.toMatchObject({
    name: 'UpstreamError',
    service: 'graph',
    status: 404,
    code: 'Request_ResourceNotFound',
  });
});
