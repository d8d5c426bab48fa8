import { testKafka, uniqueTopicPrefix } from '@ki/testing';
import { randomUUID } from 'node:crypto';
import { readMessageAt } from './replay';

describe('reading one message by its position', () => {
  const kafka = testKafka();
  const topic = `${uniqueTopicPrefix('read-at')}letters`;
  const read = (partition: number, offset: string, at = topic) =>
    readMessageAt(kafka, { topic: at, partition, offset }, { groupId: `reader-${randomUUID()}`, timeoutMs: 30_000 });
  /** Resolves with what the read answered and how long it took. */
  const timed = async (reading: Promise<unknown>) => {
    const started = Date.now();
    const found = await reading;
    return { found, ms: Date.now() - started };
  };

  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic, messages: ['first', 'second', 'third'].map((value) => ({ partition: 0, key: value, value })) });
      await producer.disconnect();
      // Retention's part: the log of partition 0 now starts at offset 1 (kafkajs finds the leader only for a topic it has asked about).
      await admin.fetchTopicOffsets(topic);
      await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '1' }] });
    } finally {
      await admin.disconnect();
    }
  });

  afterAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('reads a message the partition holds', async () => {
    const found = await read(0, '2');
    expect(found).toMatchObject({ partition: 0, offset: '2', key: 'third', value: 'third' });
  });

  it('answers "none" at once for an offset not written yet, one retention deleted, a partition or topic that does not exist', async () => {
    // A reader that waited for such an offset would only answer after its 30 s.
    for (const [partition, offset, at] of [
      [0, '3', topic],
      [0, '0', topic],
      [1, '0', topic],
      [7, '0', topic],
      [0, '0', `${topic}-never-created`],
    ] as const) {
      const { found, ms } = await timed(read(partition, offset, at));
      expect({ partition, offset, at, found }).toEqual({ partition, offset, at, found: undefined });
      expect(ms).toBeLessThan(10_000);
    }
  });
});
