import { startTestService, TestService } from '@ki/testing';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { registryService } from '../service';

const WRITER = 'writer-key-0123456789abcdef';

/** More than the registry's pool of 10 database connections. */
const BURST = 14;

describe('a burst of openings while the statewide counter is locked', () => {
  let registry: TestService;

  beforeAll(async () => {
    registry = await startTestService(registryService, { env: { REGISTRY_API_KEYS: `ops:${WRITER}:registry:write` } });
  });

  afterAll(() => registry.close());

  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${registry.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-api-key': WRITER },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('waits for its turn without holding the connections other requests need, then opens every centre in order; a refused opening among them fails alone', async () => {
    const dataSource = registry.app.get(DataSource);
    const keys: { key: string }[] = await dataSource.query(`SELECT key FROM host_bodies ORDER BY key LIMIT $1`, [BURST + 1]);
    const ids: string[] = [];
    for (const { key } of keys) {
      const res = await call('POST', '/centres', {
        hostBodyKey: key,
        name: `Kommunales Integrationszentrum ${key}`,
        hostAuthority: 'Verwaltung',
        address: 'Rathausplatz 1, 40000 Stadt',
        contactEmail: 'ki@example.org',
      });
      expect(res.status).toBe(201);
      ids.push(String(((await res.json()) as { id: string }).id));
    }
    // Registered and left unopened: its opening with a future date is refused after it took an ordinal.
    const spare = ids.pop() as string;
    const [{ last }] = await dataSource.query(`SELECT last FROM opening_ordinals`);

    // Another session holds the counter's row lock, as a long opening elsewhere would.
    const holder = new Client({ connectionString: registry.database.url });
    await holder.connect();
    await holder.query(`BEGIN`);
    await holder.query(`SELECT last FROM opening_ordinals FOR UPDATE`);
    const openings = ids.map((id) => call('POST', `/centres/${id}/open`, { openedOn: '2016-06-28', place: 'Rathaus' }));
    // Opened in the same group as the others: an unknown centre and a date in the future.
    const unknown = call('POST', `/centres/${randomUUID()}/open`, { openedOn: '2016-06-28', place: 'Rathaus' });
    const future = call('POST', `/centres/${spare}/open`, { openedOn: '2999-01-01', place: 'Rathaus' });
    try {
      await new Promise((r) => setTimeout(r, 500));
      // A read needs a connection of the pool: it answers at once, long before the pool's 3 s timeout.
      const startedAt = Date.now();
      const read = await call('GET', `/centres/${ids[0]}`);
      expect(read.status).toBe(200);
      expect(Date.now() - startedAt).toBeLessThan(2000);
    } finally {
      await holder.query(`ROLLBACK`);
      await holder.end();
    }

    const answers = await Promise.all(openings);
    expect((await unknown).status).toBe(404);
    expect((await future).status).toBe(422);
    expect(answers.map((r) => r.status)).toEqual(ids.map(() => 200));
    const ordinals = await Promise.all(answers.map(async (r) => ((await r.json()) as { ordinal: number }).ordinal));
    expect(ordinals.sort((a, b) => a - b)).toEqual(ids.map((_, i) => last + 1 + i));
  });
});
