import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a test webhook receiver got. */
export interface ReceivedWebhook {
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The status it was answered with. */
  status: number;
}

/**
 * A real HTTP server on a free loopback port that records every request and answers with the
 * status `respond` chooses (200 by default), when the promise it may return settles.
 */
export async function startWebhookReceiver(respond: (request: { count: number; body: string }) => number | Promise<number> = () => 200) {
  const received: ReceivedWebhook[] = [];
  let requests = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      void Promise.resolve(respond({ count: ++requests, body })).then((status) => {
        received.push({ headers: req.headers, body, status });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'receiver failure');
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // A test that fails before closing its receiver must not keep the test process alive.
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/ki`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
