// startAzurite gives a working, isolated storage emulator and really releases it on stop().
import { TableClient } from '@azure/data-tables';
import { QueueServiceClient } from '@azure/storage-queue';
import { connect } from 'node:net';
import { AzuriteInstance, startAzurite } from '../../dev/azurite';

function portOf(endpoint: string): number {
  return Number(new URL(endpoint).port);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('startAzurite', () => {
  let azurite: AzuriteInstance;

  beforeAll(async () => {
    azurite = await startAzurite();
  });

  afterAll(async () => {
    await azurite.stop();
  });

  it('uses the development account over plain http on loopback', () => {
    expect(azurite.connectionString).toContain('DefaultEndpointsProtocol=http');
    expect(azurite.connectionString).toContain('AccountName=devstoreaccount1');
    for (const endpoint of [azurite.blobEndpoint, azurite.queueEndpoint, azurite.tableEndpoint]) {
      expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1$/);
      expect(azurite.connectionString).toContain(endpoint);
    }
    expect(new Set([azurite.blobEndpoint, azurite.queueEndpoint, azurite.tableEndpoint].map(portOf)).size).toBe(3);
  });

  it('stores and reads back a table entity', async () => {
    const table = TableClient.fromConnectionString(azurite.connectionString, 'probe', { allowInsecureConnection: true });
    await table.createTable();
    await table.createEntity({ partitionKey: 'p1', rowKey: 'r1', note: 'hello' });
    const entity = await table.getEntity<{ note: string }>('p1', 'r1');
    expect(entity.note).toBe('hello');
  });

  it('queues and receives a message', async () => {
    const queue = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient('probe');
    await queue.create();
    await queue.sendMessage('hello');
    const { receivedMessageItems } = await queue.receiveMessages();
    expect(receivedMessageItems.map((m) => m.messageText)).toEqual(['hello']);
  });
});

describe('AzuriteInstance.stop', () => {
  it('resolves and closes every port', async () => {
    const azurite = await startAzurite();
    const ports = [azurite.blobEndpoint, azurite.queueEndpoint, azurite.tableEndpoint].map(portOf);
    expect(await canConnect(ports[1])).toBe(true);

    await azurite.stop();

    for (const port of ports) expect(await canConnect(port)).toBe(false);
    // A second stop is harmless.
    await expect(azurite.stop()).resolves.toBeUndefined();
  });
});
