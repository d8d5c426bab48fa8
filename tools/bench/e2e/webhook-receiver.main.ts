// The bench's webhook receiver, a process of its own as a subscriber's would be: answers every
// POST with 200 and prints one line per webhook, `<epoch ms> <opening id>`, to stdout (the first
// line is `listening <url>`). The opening id is the body's `data.centreId`, or the webhook-id
// header for the bare pipeline, which posts its opening's id there.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const server = http.createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (body += chunk));
  req.on('end', () => {
    const at = Date.now();
    res.writeHead(200).end('ok');
    let centreId: string | undefined;
    try {
      centreId = (JSON.parse(body) as { data?: { centreId?: string } }).data?.centreId;
    } catch {
      // Not JSON: identified by its header only.
    }
    process.stdout.write(`${at} ${centreId ?? String(req.headers['webhook-id'])}\n`);
  });
});
server.listen(0, '127.0.0.1', () =>
  process.stdout.write(`listening http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/ki\n`),
);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
