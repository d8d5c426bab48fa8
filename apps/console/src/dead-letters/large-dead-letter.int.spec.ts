import { envelopeToHeaders, topicName, Topics } from '@ki/contracts';
import { messagingMigrations } from '@ki/messaging';
import {
  collectMessages,
  createTestDatabase,
  eventually,
  startTestService,
  TestDatabase,
  testKafka,
  TestService,
  uniqueTopicPrefix,
} from '@ki/testing';
import { DataSource } from 'typeorm';
import { randomUUID } from 'node:crypto';
import { MAX_KEPT_HEADER_CHARS, MAX_KEPT_VALUE_CHARS } from '../message-index/indexed-message';
import { consoleService } from '../service';
import type { BulkReplayResult } from './bulk-replay';
import type { DeadLetterView } from './dead-letters';

const READER = 'console-reader-0123456789';
const OPERATOR = 'console-operator-0123456789';

describe('a dead letter of a megabyte that is no JSON', () => {
  const topicPrefix = uniqueTopicPrefix('bigdlq');
  let consoleApp: TestService;

  beforeAll(async () => {
    consoleApp = await startTestService(consoleService, { topicPrefix, env: { CONSOLE_API_KEYS: `reader:${READER}:console:read` } });
    const producer = testKafka().producer();
    await producer.connect();
    try {
      await producer.send({
        topic: topicName(Topics.deadLetters, topicPrefix),
        messages: [
          {
            key: '05558',
            // One run without separators, then an address: the shape that made the masking quadratic.
            value: `${'x'.repeat(1_000_000)} reply to ki@example.org`,
            headers: {
              ...envelopeToHeaders({
                id: randomUUID(),
                type: 'ki.registry.centre-opened.v1',
                source: '/ki/broken-producer',
                time: new Date().toISOString(),
                subject: '05558',
                correlationId: randomUUID(),
              }),
              dlq_original_topic: topicName(Topics.centres, topicPrefix),
              dlq_original_partition: '0',
              dlq_original_offset: '0',
              dlq_error_code: 'CONTRACT.MALFORMED_JSON',
              dlq_error: `value is no JSON: ${'y'.repeat(20_000)}`,
              dlq_attempts: '1',
              dlq_consumer_group: 'registry',
              dlq_failed_at: new Date().toISOString(),
            },
          },
        ],
      });
    } finally {
      await producer.disconnect();
    }
  });

  afterAll(() => consoleApp.close());

  const list = async () => {
    const res = await fetch(`${consoleApp.url}/api/dead-letters`, { headers: { 'x-api-key': READER } });
    expect(res.status).toBe(200);
    return (await res.json()) as DeadLetterView[];
  };

  it('is listed in well under a second, kept only in part and with its address masked', async () => {
    await eventually(async () => expect(await list()).toHaveLength(1), { name: 'dead letter in the index', timeout: 60_000 });

    const started = performance.now();
    const [letter] = await list();
    const elapsed = performance.now() - started;

    expect(elapsed).toBeLessThan(500);
    expect(typeof letter.payload).toBe('string');
    expect(String(letter.payload).length).toBeLessThan(MAX_KEPT_VALUE_CHARS + 100);
    expect(String(letter.payload)).toContain('more characters not kept');
    expect(letter.error.length).toBeLessThan(MAX_KEPT_HEADER_CHARS + 100);
    expect(letter.headers.dlq_error.length).toBeLessThan(MAX_KEPT_HEADER_CHARS + 100);
  });
});

describe('a bulk replay of a dead letter the index keeps only in part', () => {
  const topicPrefix = uniqueTopicPrefix('bigreplay');
  const id = randomUUID();
  // Valid JSON, larger than the index keeps of a value.
  const value = JSON.stringify({ hostBodyKey: '05558', note: 'z'.repeat(MAX_KEPT_VALUE_CHARS * 2) });
  let consoleApp: TestService;
  let inbox: TestDatabase;

  beforeAll(async () => {
    // An empty inbox of the funding ledger: the letter's event was not handled yet.
    inbox = await createTestDatabase('console_bigreplay_inbox');
    const db = await new DataSource({ type: 'postgres', url: inbox.url, migrations: messagingMigrations }).initialize();
    await db.runMigrations();
    await db.destroy();
    consoleApp = await startTestService(consoleService, {
      topicPrefix,
      env: {
        CONSOLE_API_KEYS: `operator:${OPERATOR}:console:read+console:replay`,
        CONSOLE_REGISTRY_DATABASE_URL: inbox.url,
        CONSOLE_LEDGER_DATABASE_URL: inbox.url,
        CONSOLE_NOTIFICATIONS_DATABASE_URL: inbox.url,
      },
    });
    const producer = testKafka().producer();
    await producer.connect();
    try {
      await producer.send({
        topic: topicName(Topics.deadLetters, topicPrefix),
        messages: [
          {
            key: '05558',
            value,
            headers: {
              ...envelopeToHeaders({
                id,
                type: 'ki.registry.centre-opened.v1',
                source: '/ki/registry',
                time: new Date().toISOString(),
                subject: '05558',
                correlationId: randomUUID(),
              }),
              dlq_original_topic: topicName(Topics.centres, topicPrefix),
              dlq_original_partition: '0',
              dlq_original_offset: '0',
              dlq_error_code: 'HANDLER.TIMEOUT',
              dlq_error: 'the budget service did not answer',
              dlq_attempts: '3',
              dlq_consumer_group: 'funding-ledger',
              dlq_failed_at: new Date().toISOString(),
            },
          },
        ],
      });
    } finally {
      await producer.disconnect();
    }
  });

  afterAll(async () => {
    await consoleApp?.close();
    await inbox?.drop();
  });

  const replay = async (body: object) => {
    const res = await fetch(`${consoleApp.url}/api/dead-letters/replay`, {
      method: 'POST',
      headers: { 'x-api-key': OPERATOR, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as BulkReplayResult;
  };

  it('reads the letter whole from the dead-letter topic and sends all of it back', async () => {
    const filter = { reason: 'HANDLER.TIMEOUT' };
    await eventually(async () => expect(await replay({ filter, dryRun: true })).toMatchObject({ matched: 1, send: 1 }), {
      name: 'dead letter in the index',
      timeout: 60_000,
    });
    const centres = await collectMessages(testKafka(), topicName(Topics.centres, topicPrefix));
    try {
      const result = await replay({ filter, reason: 'the budget service is back' });

      expect(result).toMatchObject({ dryRun: false, send: 1, refused: [] });
      const [replayed] = await eventually(
        () => {
          expect(centres.messages).toHaveLength(1);
          return centres.messages;
        },
        { name: 'the letter back on its topic', timeout: 30_000 },
      );
      expect(replayed.headers.ce_id).toBe(id);
      expect(replayed.value).toBe(value);
    } finally {
      await centres.stop();
    }
  });
});
