// A TCP proxy standing between the app and Azurite's table endpoint that can misbehave like a sick
// storage account: `hang` accepts bytes and never answers, `refuse` resets every connection.
import net from 'node:net';

export type ProxyMode = 'pass' | 'hang' | 'refuse';

export interface StorageProxy {
  /** The table endpoint through the proxy (http://127.0.0.1:port/devstoreaccount1). */
  endpoint: string;
  port: number;
  setMode(mode: ProxyMode): void;
  stop(): Promise<void>;
}

export async function startStorageProxy(upstreamEndpoint: string): Promise<StorageProxy> {
  const upstream = new URL(upstreamEndpoint);
  let mode: ProxyMode = 'pass';
  const sockets = new Set<net.Socket>();
  // A connection that swallowed part of a request cannot carry another one: it is closed on recovery.
  const spoiled = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => {
      sockets.delete(client);
      spoiled.delete(client);
    });
    client.on('error', () => undefined);
    if (mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    const target = net.connect(Number(upstream.port), upstream.hostname);
    sockets.add(target);
    target.on('close', () => sockets.delete(target));
    target.on('error', () => client.destroy());
    client.on('data', (chunk) => {
      if (mode === 'pass' && !spoiled.has(client)) target.write(chunk);
      else spoiled.add(client);
    });
    target.on('data', (chunk) => {
      if (!spoiled.has(client)) client.write(chunk);
    });
    client.on('close', () => target.destroy());
    target.on('end', () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}${upstream.pathname}`,
    port,
    setMode(next) {
      mode = next;
      if (next === 'pass') for (const socket of spoiled) socket.destroy();
      if (next === 'refuse') for (const socket of sockets) socket.destroy();
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
