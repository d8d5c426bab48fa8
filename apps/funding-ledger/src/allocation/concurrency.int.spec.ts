import { ConsumerGroups, EventTypes, topicName, Topics } from '@ki/contracts';
import { encodeEvent, EventPublisher } from '@ki/messaging';
import {
  coesfeldOpened,
  eventually,
  handledByInstance,
  historicalOpenings,
  startTestService,
  testKafka,
  TestService,
  waitForGroupMembers,
  waitForGroupToCatchUp,
} from '@ki/testing';
import { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { fundingLedgerService } from '../service';
import { TEST_GRANT, writeProgrammesFile } from '../test-support/programmes-file';

const GRANT = TEST_GRANT;

describe('two ledger instances in one consumer group', () => {
  let first: TestService;
  let second: TestService;
  let kafka: Kafka;
  let registry: EventPublisher;
  let db: DataSource;
  let groupId: string;
  let centresTopic: string;

  const count = async (sql: string, params: unknown[] = []) => (await db.query(sql, params))[0].n as number;

  beforeAll(async () => {
    // The MAIS budget fits exactly 40 full-year grants.
    const env = { LEDGER_PROGRAMMES_FILE: writeProgrammesFile({ grantCents: 40n * GRANT, postsHundredths: 100_000n }) };
    first = await startTestService(fundingLedgerService, { env, instance: 'ledger-a' });
    const { topicPrefix, groupIdPrefix } = first.config.kafka;
    second = await startTestService(fundingLedgerService, { env, database: first.database, topicPrefix, instance: 'ledger-b' });
    db = first.app.get(DataSource);
    kafka = testKafka();
    registry = new EventPublisher(kafka, { source: '/ki/registry', topicPrefix });
    groupId = `${groupIdPrefix}${ConsumerGroups.fundingLedger}`;
    centresTopic = topicName(Topics.centres, topicPrefix);
    // Both members hold partitions before anything is sent, so both take part.
    await waitForGroupMembers(kafka, groupId, centresTopic, 2);
  });

  afterAll(async () => {
    await registry.close();
    await second.close();
    await first.close();
  });

  it('book exactly 40 of 50 concurrent openings against a budget that fits 40, reject 10 and leave the budget at zero', async () => {
    const openings = [...historicalOpenings(), coesfeldOpened()].map((o) => ({ ...o, openedOn: '2016-01-15' }));

    await Promise.all(openings.map((o) => registry.publish(EventTypes.CentreOpenedV1, o)));
    await eventually(
      async () => expect(await count(`SELECT count(*)::int AS n FROM funding_decisions WHERE fiscal_year = 2016`)).toBe(50),
      {
        name: '50 decisions',
        timeout: 30_000,
      },
    );

    await waitForGroupToCatchUp(kafka, groupId, centresTopic);

    const outcomes = await db.query(
      `SELECT outcome, reason, count(*)::int AS n FROM funding_decisions WHERE fiscal_year = 2016 GROUP BY outcome, reason ORDER BY outcome`,
    );
    expect(outcomes).toEqual([
      { outcome: 'allocated', reason: null, n: 40 },
      { outcome: 'rejected', reason: 'BUDGET_EXHAUSTED', n: 10 },
    ]);
    // The ledger refused them itself, seeing the budget at zero under its lock (not the database refusing an overdraft).
    const rejected = await db.query(`SELECT payload::jsonb AS p FROM messaging_outbox WHERE event_type = $1`, [
      EventTypes.FundingAllocationRejectedV1.type,
    ]);
    expect(rejected).toHaveLength(10);
    for (const { p } of rejected) {
      expect(p.reason).toBe('BUDGET_EXHAUSTED');
      expect(p.detail).toBe(`MAIS_KI_GRANT 2016: ${GRANT} EUR_CENT needed, 0 left in the budget`);
    }
    // Both instances handled openings (the inbox records each one's connection).
    const byInstance = await handledByInstance(db, EventTypes.CentreOpenedV1.type);
    expect(Object.keys(byInstance)).toEqual(['ledger-a', 'ledger-b']);
    expect(byInstance['ledger-a'] + byInstance['ledger-b']).toBe(50);
    const [budget] = await db.query(
      `SELECT credits_posted::text AS credits, debits_posted::text AS debits FROM ledger_accounts WHERE id = 'budget:MAIS_KI_GRANT:2016'`,
    );
    expect(budget).toEqual({ credits: (40n * GRANT).toString(), debits: (40n * GRANT).toString() });
    // A rejected opening books nothing in any unit: 40 grants and 40 × 2 posts.
    expect(await count(`SELECT count(*)::int AS n FROM ledger_transfers WHERE kind = 'ALLOCATION' AND fiscal_year = 2016`)).toBe(80);
  });

  it('turn 1,000 deliveries of one opening and 3 re-sends with new event ids into one allocation and one event', async () => {
    const opened = coesfeldOpened({ openedOn: '2017-01-10' });
    const { message } = encodeEvent(EventTypes.CentreOpenedV1, opened, '/ki/registry');
    const producer = kafka.producer();
    await producer.connect();
    const topic = `${first.config.kafka.topicPrefix}${EventTypes.CentreOpenedV1.topic}`;
    for (let i = 0; i < 10; i++) await producer.send({ topic, messages: Array.from({ length: 100 }, () => message) });
    await producer.disconnect();
    for (let i = 0; i < 3; i++) await registry.publish(EventTypes.CentreOpenedV1, opened);
    const marker = coesfeldOpened({ openedOn: '2017-02-01' });
    await registry.publish(EventTypes.CentreOpenedV1, marker);

    await eventually(
      async () => expect(await count(`SELECT count(*)::int AS n FROM funding_decisions WHERE centre_id = $1`, [marker.centreId])).toBe(1),
      {
        name: 'the marker behind the duplicates decided',
        timeout: 30_000,
      },
    );
    await waitForGroupToCatchUp(kafka, groupId, centresTopic);
    expect(await count(`SELECT count(*)::int AS n FROM funding_decisions WHERE centre_id = $1`, [opened.centreId])).toBe(1);
    expect(await count(`SELECT count(*)::int AS n FROM ledger_transfers WHERE centre_id = $1`, [opened.centreId])).toBe(2);
    expect(
      await count(`SELECT count(*)::int AS n FROM messaging_outbox WHERE event_type = $1 AND payload::jsonb ->> 'centreId' = $2`, [
        EventTypes.FundingAllocatedV1.type,
        opened.centreId,
      ]),
    ).toBe(1);
  });
});
