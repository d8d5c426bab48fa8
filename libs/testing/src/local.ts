import net from 'node:net';
import path from 'node:path';

/**
 * Ports for listeners the tests start, below Linux's ephemeral range (32768 and up): a port picked
 * there could be taken by any outgoing connection before the service listens on it.
 */
const BELOW_EPHEMERAL = { first: 20_000, size: 12_000 };

/** The repository's root folder, for tests that start its scripts or read its files. */
export const repoRoot = path.resolve(__dirname, '../../..');

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = BELOW_EPHEMERAL.first + Math.floor(Math.random() * BELOW_EPHEMERAL.size);
    if (await portFree(port)) return port;
  }
  throw new Error('no free port found on 127.0.0.1');
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
    const first = BELOW_EPHEMERAL.first + Math.floor(Math.random() * (BELOW_EPHEMERAL.size - count));
    const ports = Array.from({ length: count }, (_, i) => first + i);
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return first;
  }
  throw new Error(`no ${count} consecutive free ports found on 127.0.0.1`);
}
