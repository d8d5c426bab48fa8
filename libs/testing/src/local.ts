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
