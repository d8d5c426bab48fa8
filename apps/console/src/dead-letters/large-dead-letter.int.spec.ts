import { envelopeToHeaders, topicName, Topics } from '@ki/contracts';
import { eventually, startTestService, testKafka, TestService, uniqueTopicPrefix } from '@ki/testing';
import { randomUUID } from 'node:crypto';
import { MAX_KEPT_HEADER_CHARS, MAX_KEPT_VALUE_CHARS } from '../message-index/indexed-message';
import { consoleService } from '../service';
import type { DeadLetterView } from './dead-letters';

const READER = 'console-reader-0123456789';

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
