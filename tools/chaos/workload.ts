// The workload of `npm run chaos`: openings through REST and through Kafka commands (with
// duplicate deliveries and re-sent REST calls), closings, a fiscal-year rollover and poison
// messages of every kind. Every call a client would retry is retried until it succeeds.
import { EventTypes, Principals, Topics } from '@ki/contracts';
import { encodeEvent } from '@ki/messaging';
import { Kafka, Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { ChaosSystem } from './system';

const REGISTRY_KEY = 'ki-dev-registry-write-key';
const LEDGER_KEY = 'ki-dev-ledger-write-key';
export const NOTIFICATIONS_KEY = 'ki-dev-notifications-key';

/** One opening the workload asked for, and when. */
export interface SentOpening {
  hostBodyKey: string;
  via: 'rest' | 'command';
  sentAt: number;
}

/** One poison message: its key identifies it in the dead-letter topic. */
export interface SentPoison {
  kind: string;
  key: string;
}

export interface WorkloadResult {
  openings: SentOpening[];
  poison: SentPoison[];
  closings: number;
  idempotentReplays: number;
  duplicateCommands: number;
}

/** Kreise whose keys carry the synthetic host bodies (8-digit keys ending in 9xx: no real municipality of NRW uses them here). */
const SYNTHETIC_TERRITORIES = ['05154', '05158', '05162', '05166', '05170', '05334', '05358', '05362', '05366', '05370'];

/** Adds `count` synthetic host bodies to the chaos run's own registry database (never to the shipped data). */
export async function addSyntheticHostBodies(databaseUrl: string, count: number): Promise<string[]> {
  const keys = Array.from(
    { length: count },
    (_, i) =>
      `${SYNTHETIC_TERRITORIES[i % SYNTHETIC_TERRITORIES.length]}9${String(Math.floor(i / SYNTHETIC_TERRITORIES.length)).padStart(2, '0')}`,
  );
  if (count > SYNTHETIC_TERRITORIES.length * 100) throw new Error(`at most ${SYNTHETIC_TERRITORIES.length * 100} synthetic host bodies`);
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO host_bodies (key, territory_key, name) SELECT k, substr(k, 1, 5), 'Synthetischer Träger ' || k FROM unnest($1::text[]) AS k`,
      [keys],
    );
  } finally {
    await client.end();
  }
  return keys;
}

/** Retries a call that a client would retry (the service may be down, the broker may be away) until it succeeds. */
async function retrying<T>(what: string, call: () => Promise<T>, timeoutMs = 600_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what} failed for ${timeoutMs / 1000} s: ${(err as Error).message}`, { cause: err });
      await new Promise((r) => setTimeout(r, Math.min(2000, 100 * attempt)));
    }
  }
}

async function post(url: string, key: string, body: unknown, idempotencyKey?: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key, ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  // A 409 with Retry-After: the same Idempotency-Key is still being processed (or its process died); try again.
  if (res.status >= 500 || (res.status === 409 && res.headers.has('retry-after')))
    throw new Error(`${url} answered ${res.status}: ${text}`);
  return {
    status: res.status,
    body: JSON.parse(text) as Record<string, unknown>,
    replayed: res.headers.get('idempotent-replayed') === 'true',
  };
}

/** The poison messages the chaos run sends to the command topic, each of a kind the consumer must dead-letter. */
function poisonMessages(n: number): { kind: string; message: { key: string; value: Buffer | string; headers: Record<string, string> } }[] {
  const valid = encodeEvent(
    EventTypes.RegisterCentreV1,
    {
      hostBodyKey: '05558',
      name: 'Vergifteter Befehl',
      hostAuthority: 'Nirgendwo',
      address: 'Nirgendwo 1',
      contactEmail: 'poison@example.org',
    },
    '/ki/chaos',
  ).message;
  const headers = Object.fromEntries(Object.entries(valid.headers).map(([k, v]) => [k, String(v)]));
  const fresh = () => ({ ...headers, ce_id: randomUUID() });
  const key = (kind: string) => `poison-${kind}-${n}`;
  const withoutType = fresh();
  delete (withoutType as Record<string, string>).ce_type;
  return [
    { kind: 'non-json', message: { key: key('non-json'), value: '{"hostBodyKey": "05558", oops', headers: fresh() } },
    {
      kind: 'invalid-utf8',
      message: { key: key('invalid-utf8'), value: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), headers: fresh() },
    },
    {
      kind: 'unknown-version',
      message: {
        key: key('unknown-version'),
        value: String(valid.value),
        headers: { ...fresh(), ce_type: 'ki.registry.register-centre.v9' },
      },
    },
    { kind: 'missing-headers', message: { key: key('missing-headers'), value: String(valid.value), headers: withoutType } },
    {
      kind: 'invalid-fields',
      message: { key: key('invalid-fields'), value: JSON.stringify({ hostBodyKey: 'x', name: '' }), headers: fresh() },
    },
    { kind: 'one-megabyte', message: { key: key('one-megabyte'), value: 'x'.repeat(1_000_000), headers: fresh() } },
  ];
}

/**
 * Sends `openings` openings spread over `durationMs`, and keeps going at the same pace while
 * `keepGoing()` says so (so that every fault meets openings), up to one per host body.
 */
export async function runWorkload(
  system: ChaosSystem,
  hostBodies: string[],
  options: { durationMs: number; openings: number; poisonRounds: number; keepGoing: () => boolean },
): Promise<WorkloadResult> {
  const registry = () => system.instance('registry').url;
  const emitter: Kafka = system.cluster.kafka(Principals.emitter);
  const producer: Producer = emitter.producer({ idempotent: true, maxInFlightRequests: 1 });
  await retrying('connecting the emitter', () => producer.connect());
  const registryDb = new Client({ connectionString: system.databases.registry.url });
  await registryDb.connect();
  const result: WorkloadResult = { openings: [], poison: [], closings: 0, idempotentReplays: 0, duplicateCommands: 0 };
  const pace = options.durationMs / options.openings;
  const poisonEvery = Math.max(1, Math.floor(options.openings / Math.max(1, options.poisonRounds)));
  const centreOf = async (hostBodyKey: string, status: string) =>
    (await registryDb.query(`SELECT id FROM centres WHERE host_body_key = $1 AND status = $2`, [hostBodyKey, status])).rows[0]?.id as
      string | undefined;
  const waitFor = (what: string, probe: () => Promise<string | undefined>) =>
    retrying(what, async () => {
      const found = await probe();
      if (!found) throw new Error('not yet');
      return found;
    });
  const send = (message: { key: string; value: Buffer | string | null; headers: object }) =>
    retrying('sending a command', () => producer.send({ topic: Topics.registryCommands, messages: [message as never] }));

  try {
    for (const [i, hostBodyKey] of hostBodies.entries()) {
      // The planned openings, then more at the same pace while a fault has not had its first turn.
      if (i >= options.openings && !options.keepGoing()) break;
      const startedAt = Date.now();
      // Openings on days of 2018 that never go back, in the order they are sent.
      const day = new Date(Date.UTC(2018, 0, 1 + Math.floor((i * 360) / hostBodies.length)));
      const openedOn = day.toISOString().slice(0, 10);
      const registration = {
        hostBodyKey,
        name: `Kommunales Integrationszentrum ${hostBodyKey}`,
        hostAuthority: `Verwaltung ${hostBodyKey}`,
        address: 'Rathausplatz 1, 40000 Stadt',
        contactEmail: 'ki@example.org',
      };
      if (i % 2 === 0) {
        const registerKey = randomUUID();
        const centre = await retrying('registering by REST', () => post(`${registry()}/centres`, REGISTRY_KEY, registration, registerKey));
        // A registry killed after its commit but before its answer was stored: the retry meets the effect.
        const centreId = centre.status === 409 ? centre.body.existingCentreId : centre.body.id;
        if (centre.status !== 201 && !(centre.status === 409 && centre.body.code === 'REGISTRY.ACTIVE_CENTRE_EXISTS'))
          throw new Error(`registering ${hostBodyKey} answered ${centre.status}: ${JSON.stringify(centre.body)}`);
        const openKey = randomUUID();
        const open = () => post(`${registry()}/centres/${centreId}/open`, REGISTRY_KEY, { openedOn, place: 'Rathaus' }, openKey);
        result.openings.push({ hostBodyKey, via: 'rest', sentAt: Date.now() });
        const opened = await retrying('opening by REST', open);
        const openedBefore = async () =>
          opened.status === 409 &&
          opened.body.code === 'REGISTRY.INVALID_TRANSITION' &&
          (await registryDb.query(`SELECT 1 FROM centres WHERE id = $1 AND status = 'open' AND opened_on = $2`, [centreId, openedOn]))
            .rowCount === 1;
        if (opened.status !== 200 && !(await openedBefore()))
          throw new Error(`opening ${hostBodyKey} answered ${opened.status}: ${JSON.stringify(opened.body)}`);
        if (i % 10 === 0 && opened.status === 200) {
          // A client that did not see the answer sends the same request again with the same key.
          const again = await retrying('re-sending an opening', open);
          if (again.status !== 200 || !again.replayed) throw new Error(`a re-sent opening was not replayed: ${again.status}`);
          result.idempotentReplays++;
        }
      } else {
        await send(encodeEvent(EventTypes.RegisterCentreV1, registration, '/ki/chaos').message);
        const centreId = await waitFor(`${hostBodyKey} registered by command`, () => centreOf(hostBodyKey, 'registered'));
        const open = encodeEvent(EventTypes.OpenCentreV1, { centreId, openedOn, place: 'Rathaus' }, '/ki/chaos').message;
        result.openings.push({ hostBodyKey, via: 'command', sentAt: Date.now() });
        await send(open);
        if (i % 10 === 1) {
          // The same command delivered twice (same event id): one effect.
          await send(open);
          result.duplicateCommands++;
        }
        await waitFor(`${hostBodyKey} opened by command`, () => centreOf(hostBodyKey, 'open'));
      }
      if (i % 25 === 24) {
        const earlier = result.openings[i - 20];
        const id = await centreOf(earlier.hostBodyKey, 'open');
        const closed = await retrying('closing by REST', () =>
          post(`${registry()}/centres/${id}/close`, REGISTRY_KEY, { closedOn: '2018-12-31', reason: 'Zusammenlegung' }, randomUUID()),
        );
        if (closed.status !== 200) throw new Error(`closing answered ${closed.status}: ${JSON.stringify(closed.body)}`);
        result.closings++;
      }
      if (i % poisonEvery === 0 && result.poison.length < options.poisonRounds * 6) {
        for (const { kind, message } of poisonMessages(i)) {
          await send(message);
          result.poison.push({ kind, key: message.key });
        }
      }
      const rest = pace - (Date.now() - startedAt);
      if (rest > 0) await new Promise((r) => setTimeout(r, rest));
    }
    const ledger = system.instance('funding-ledger-2').url;
    const rollover = await retrying('rolling over into 2019', () => post(`${ledger}/fiscal-years/2019/rollover`, LEDGER_KEY, {}));
    if (rollover.status >= 300) throw new Error(`the rollover answered ${rollover.status}: ${JSON.stringify(rollover.body)}`);
  } finally {
    await producer.disconnect();
    await registryDb.end();
  }
  return result;
}
