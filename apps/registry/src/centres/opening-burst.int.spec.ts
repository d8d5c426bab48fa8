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

  const call = (method: string, path: string, body?: unknown, correlationId?: string) =>
    fetch(`${registry.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-api-key': WRITER, ...(correlationId ? { 'x-correlation-id': correlationId } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  /** Registers centres of `count` host bodies that have none; answers their ids. */
  async function registerCentres(count: number): Promise<string[]> {
    const keys: { key: string }[] = await registry.app
      .get(DataSource)
      .query(
        `SELECT h.key FROM host_bodies h WHERE NOT EXISTS (SELECT 1 FROM centres c WHERE c.host_body_key = h.key) ORDER BY h.key LIMIT $1`,
        [count],
      );
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
    return ids;
  }

  it("waits for its turn without holding the connections other requests need, then opens every centre in order, each event in its own request's trace; a refused opening among them fails alone", async () => {
    const dataSource = registry.app.get(DataSource);
    const ids = await registerCentres(BURST + 1);
    // Registered and left unopened: its opening with a future date is refused in the same group, and takes no ordinal.
    const spare = ids.pop() as string;
    const [{ last }] = await dataSource.query(`SELECT last FROM opening_ordinals`);

    // Another session holds the counter's row lock, as a long opening elsewhere would.
    const holder = new Client({ connectionString: registry.database.url });
    await holder.connect();
    await holder.query(`BEGIN`);
    await holder.query(`SELECT last FROM opening_ordinals FOR UPDATE`);
    const openings = ids.map((id) => call('POST', `/centres/${id}/open`, { openedOn: '2016-06-28', place: 'Rathaus' }, `burst-${id}`));
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
    // Opened in one group, which runs in the first request's context: each event still names its own request.
    const events: { centreId: string; correlationId: string }[] = await dataSource.query(
      `SELECT payload::jsonb->>'centreId' AS "centreId", headers->>'ce_correlationid' AS "correlationId"
       FROM messaging_outbox WHERE event_type = 'ki.registry.centre-opened.v1'`,
    );
    expect(events.map((e) => e.correlationId).sort()).toEqual(ids.map((id) => `burst-${id}`).sort());
    for (const e of events) expect(e.correlationId).toBe(`burst-${e.centreId}`);
  });

  it('opens the group again one by one when a statement fails, so only the failing opening fails', async () => {
    const dataSource = registry.app.get(DataSource);
    const ids = await registerCentres(4);
    const trapped = ids[2];
    // The database refuses to open one centre, as a broken row or constraint would.
    await dataSource.query(`CREATE FUNCTION refuse_opening() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'refused by the test'; END $$`);
    await dataSource.query(
      `CREATE TRIGGER refuse_opening BEFORE UPDATE ON centres FOR EACH ROW WHEN (NEW.id = '${trapped}' AND NEW.status = 'open') EXECUTE FUNCTION refuse_opening()`,
    );
    const [{ last }] = await dataSource.query(`SELECT last FROM opening_ordinals`);
    const holder = new Client({ connectionString: registry.database.url });
    await holder.connect();
    try {
      await holder.query(`BEGIN`);
      await holder.query(`SELECT last FROM opening_ordinals FOR UPDATE`);
      // The first opening waits for the lock alone; the other three gather into the next group.
      const first = call('POST', `/centres/${ids[0]}/open`, { openedOn: '2016-06-28', place: 'Rathaus' });
      await new Promise((r) => setTimeout(r, 300));
      const rest = ids.slice(1).map((id) => call('POST', `/centres/${id}/open`, { openedOn: '2016-06-28', place: 'Rathaus' }));
      await new Promise((r) => setTimeout(r, 300));
      await holder.query(`ROLLBACK`);
      const statuses = await Promise.all([first, ...rest].map(async (r) => (await r).status));
      expect(statuses).toEqual([200, 200, 500, 200]);
    } finally {
      await holder.end();
      await dataSource.query(`DROP TRIGGER refuse_opening ON centres; DROP FUNCTION refuse_opening()`);
    }
    const opened: { id: string; ordinal: number }[] = await dataSource.query(
      `SELECT id, ordinal FROM centres WHERE id = ANY($1) AND status = 'open' ORDER BY ordinal`,
      [ids],
    );
    expect(opened.map((c) => c.id)).toEqual([ids[0], ids[1], ids[3]]);
    expect(opened.map((c) => c.ordinal)).toEqual([last + 1, last + 2, last + 3]);
  });
});
