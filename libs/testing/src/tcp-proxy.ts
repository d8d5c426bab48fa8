import net from 'node:net';

/**
 * A TCP proxy in front of a real server (e.g. PostgreSQL) that a test can cut and restore, to
 * make a dependency unavailable for one service without touching the server others use.
 */
export interface TcpProxy {
  port: number;
  /** Drops every open connection and refuses new ones until restore(). */
  cut(): void;
  /** Lets connections through again, without delay. */
  restore(): void;
  /** Holds every chunk `ms` milliseconds in each direction (a slow network), keeping their order. */
  delay(ms: number): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  let open = true;
  let delayMs = 0;
  const sockets = new Set<net.Socket>();
  // Forwards chunks after the current delay; a chunk never overtakes the one before it.
  const forward = (from: net.Socket, to: net.Socket) => {
    let last = 0;
    from.on('data', (chunk) => {
      if (delayMs === 0 && last <= Date.now()) return void to.write(chunk);
      const due = Math.max(Date.now() + delayMs, last);
      last = due;
      setTimeout(() => to.writable && to.write(chunk), due - Date.now());
    });
  };
  const server = net.createServer((client) => {
    if (!open) return client.destroy();
    const upstream = net.connect({ host: targetHost, port: targetPort });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    forward(client, upstream);
    forward(upstream, client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut: () => {
      open = false;
      for (const s of sockets) s.destroy();
    },
    restore: () => {
      open = true;
      delayMs = 0;
    },
    delay: (ms) => {
      delayMs = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
