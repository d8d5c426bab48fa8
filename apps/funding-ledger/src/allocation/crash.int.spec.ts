import { EventTypes, Topics } from '@ki/contracts';
import { encodeEvent, ensureTopics } from '@ki/messaging';
import {
  coesfeldOpened,
  createTestDatabase,
  eventually,
  freePort,
  processExited,
  TestDatabase,
  testInfrastructure,
  testKafka,
  startScriptProcess,
  uniqueTopicPrefix,
  waitForGroupToCatchUp,
  isolatedKafkaEnv,
} from '@ki/testing';
import { Kafka } from 'kafkajs';
import { ChildProcess } from 'node:child_process';
import { Client } from 'pg';
import { writeProgrammesFile } from '../test-support/programmes-file';

const OPENINGS = 3000;

const startLedgerProcess = (env: Record<string, string>) => startScriptProcess('apps/funding-ledger/src/main.ts', env);

describe('a ledger process killed with SIGKILL mid-batch', () => {
  let database: TestDatabase;
  let db: Client;
  let kafka: Kafka;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase('ledger-crash');
    db = new Client({ connectionString: database.url });
    await db.connect();
    kafka = testKafka();
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await db.end();
    await database.drop();
  });

  const decided = async () =>
    Number((await db.query(`SELECT count(*)::int AS n FROM funding_decisions`).catch(() => ({ rows: [{ n: 0 }] }))).rows[0].n);

  it('loses and doubles no transfer after a restart', async () => {
    const prefix = uniqueTopicPrefix();
    const topic = `${prefix}${Topics.centres}`;
    const env = {
      DATABASE_URL: database.url,
      KAFKA_BROKERS: testInfrastructure().kafkaBrokers.join(','),
      ...isolatedKafkaEnv(prefix),
      PORT: String(await freePort()),
      LEDGER_PROGRAMMES_FILE: writeProgrammesFile({ grantCents: 10n ** 14n, postsHundredths: 10n ** 9n }),
    };
    const messages = Array.from(
      { length: OPENINGS },
      (_, i) =>
        encodeEvent(
          EventTypes.CentreOpenedV1,
          coesfeldOpened({
            hostBodyKey: `05${100 + (i % 50)}`,
            ordinal: i + 1,
            openedOn: `2016-${String((i % 12) + 1).padStart(2, '0')}-01`,
          }),
          '/ki/registry',
        ).message,
    );
    await ensureTopics(kafka, prefix);
    child = startLedgerProcess(env);
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < OPENINGS; i += 250) await producer.send({ topic, messages: messages.slice(i, i + 250) });
    await producer.disconnect();

    await eventually(
      async () => {
        if (child?.exitCode !== null) throw new Error('ledger process exited');
        if ((await decided()) === 0) throw new Error('nothing decided yet');
      },
      { name: 'the ledger is allocating', timeout: 90_000, interval: 10 },
    );
    child.kill('SIGKILL');
    await processExited(child);
    const atKill = await decided();
    child = startLedgerProcess(env);
    await waitForGroupToCatchUp(kafka, `${prefix}funding-ledger`, topic, 120_000);

    expect(atKill).toBeLessThan(OPENINGS);
    const { rows } = await db.query(`
      SELECT (SELECT count(*)::int FROM funding_decisions) AS decisions,
             (SELECT count(*)::int FROM ledger_transfers WHERE kind = 'ALLOCATION') AS transfers,
             (SELECT count(DISTINCT (centre_id, programme_code))::int FROM ledger_transfers WHERE kind = 'ALLOCATION') AS slots,
             (SELECT count(DISTINCT event_id)::int FROM messaging_outbox WHERE event_type = '${EventTypes.FundingAllocatedV1.type}') AS events,
             (SELECT (debits_posted = (SELECT sum(amount) FROM ledger_transfers WHERE debit_account_id = a.id)) FROM ledger_accounts a
               WHERE id = 'budget:MAIS_KI_GRANT:2016') AS totals_match`);
    expect(rows[0]).toEqual({ decisions: OPENINGS, transfers: 2 * OPENINGS, slots: 2 * OPENINGS, events: OPENINGS, totals_match: true });
    child.kill('SIGTERM');
    expect(await processExited(child)).toBe(0);
  });
});
