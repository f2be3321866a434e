import net from 'node:net';
import type { AddressInfo } from 'node:net';

/** A loopback TCP proxy that can be taken down and brought back on the same port ("Temporal is unreachable"). */
export async function startTcpProxy(target: string) {
  const [host, port] = [
    target.slice(0, target.lastIndexOf(':')),
    Number(target.slice(target.lastIndexOf(':') + 1)),
  ];
  const sockets = new Set<net.Socket>();
  const make = () =>
    net.createServer((client) => {
      const upstream = net.connect(port, host === 'localhost' ? '127.0.0.1' : host);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
  let server = make();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const listenPort = (server.address() as AddressInfo).port;
  return {
    address: `127.0.0.1:${listenPort}`,
    async down() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
    async up() {
      server = make();
      await new Promise<void>((resolve) => server.listen(listenPort, '127.0.0.1', resolve));
    },
    close() {
      return this.down();
    },
  };
}
