import net from 'node:net';
import path from 'node:path';

/** The repository's root folder, for tests that start its scripts or read its files. */
export const repoRoot = path.resolve(__dirname, '../../..');

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A service's /health answer: the HTTP status and terminus' report. */
export interface HealthAnswer {
  status: number;
  body: { status: string; error?: Record<string, { status: string; message?: string }> };
}

export async function fetchHealth(baseUrl: string): Promise<HealthAnswer> {
  const res = await fetch(`${baseUrl}/health`);
  return { status: res.status, body: (await res.json()) as HealthAnswer['body'] };
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The first of `count` consecutive TCP ports on 127.0.0.1 that were free a moment ago (a Kafka cluster's listeners). */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = 20_000 + Math.floor(Math.random() * 20_000);
    const ports = Array.from({ length: count }, (_, i) => first + i);
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return first;
  }
  throw new Error(`no ${count} consecutive free ports found on 127.0.0.1`);
}
