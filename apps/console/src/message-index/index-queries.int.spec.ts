import { Topics } from '@ki/contracts';
import { createTestDatabase, TestDatabase } from '@ki/testing';
import { DataSource } from 'typeorm';
import { IndexQueries } from './index-queries';
import { capped, observe } from './indexed-message';
import { MessageIndex } from './message-index';
import { consoleMigrations } from './migrations';

const now = new Date('2026-11-30T08:00:00Z');
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000).toISOString();

/** A message of `topic` at `offset`, written `seconds` ago by `source`. */
function message(topic: string, offset: number, seconds: number, headers: Record<string, string>) {
  return capped(observe({ topic, partition: 0, offset: String(offset), timestamp: ago(seconds), key: null, value: '{}', headers }));
}

/** A dead letter of the funding ledger giving up on the centre message at `originalOffset`. */
function deadLetter(offset: number, seconds: number, originalOffset: number, errorCode: string, id: string) {
  return message(Topics.deadLetters, offset, seconds, {
    ce_id: id,
    ce_type: 'ki.registry.centre-opened.v1',
    ce_source: '/ki/registry',
    dlq_consumer_group: 'funding-ledger',
    dlq_original_topic: `p.${Topics.centres}`,
    dlq_original_partition: '0',
    dlq_original_offset: String(originalOffset),
    dlq_error_code: errorCode,
    dlq_failed_at: ago(seconds),
  });
}

describe('index queries of the topology and the bulk replay', () => {
  let database: TestDatabase;
  let db: DataSource;
  let queries: IndexQueries;

  beforeAll(async () => {
    database = await createTestDatabase('console_queries');
    db = await new DataSource({ type: 'postgres', url: database.url, migrations: consoleMigrations, logging: false }).initialize();
    await db.runMigrations();
    const index = new MessageIndex(db);
    await index.add([
      message(Topics.centres, 0, 90, { ce_source: '/ki/registry' }),
      message(Topics.centres, 1, 20, { ce_source: '/ki/registry' }),
      message(Topics.centres, 2, 10, { ce_source: '/ki/registry' }),
      message(Topics.centres, 3, 5, { ce_source: '/ki/test-tool' }),
    ]);
    await index.add([
      deadLetter(0, 50, 1, 'HANDLER.TIMEOUT', 'event-1'),
      // The same dead letter sent again after a crash: one dead letter.
      deadLetter(1, 40, 1, 'HANDLER.TIMEOUT', 'event-1'),
      deadLetter(2, 30, 2, 'OTHER.REASON', 'event-2'),
      deadLetter(3, 3, 3, 'HANDLER.TIMEOUT', 'event-3'),
    ]);
    queries = new IndexQueries(db);
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('counts the messages since a time per topic and source, dead letters per group and original topic', async () => {
    const counts = await queries.countsSince(new Date(now.getTime() - 60_000));

    expect(counts).toHaveLength(3);
    expect(counts).toEqual(
      expect.arrayContaining([
        { topic: Topics.centres, source: '/ki/registry', deadLetter: undefined, count: 2 },
        { topic: Topics.centres, source: '/ki/test-tool', deadLetter: undefined, count: 1 },
        {
          topic: Topics.deadLetters,
          source: '/ki/registry',
          deadLetter: { consumerGroup: 'funding-ledger', originalTopic: `p.${Topics.centres}` },
          count: 4,
        },
      ]),
    );
  });

  it('gives the dead letters matching a filter oldest first, a copy sent again only once', async () => {
    const letters = await queries.allDeadLettersOldestFirst({ reason: 'HANDLER.TIMEOUT', consumerGroup: 'funding-ledger' });

    expect(letters.map((l) => [l.offset, l.id])).toEqual([
      ['0', 'event-1'],
      ['3', 'event-3'],
    ]);
  });
});
