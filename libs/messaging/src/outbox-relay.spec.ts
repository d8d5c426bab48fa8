import { KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, Partitioners } from 'kafkajs';
import { OutboxRow, partitionBatches, producerStateLost } from './outbox-relay';

describe('whether the relay needs a new producer after a failed send', () => {
  const protocolError = (type: string) => new KafkaJSProtocolError({ message: type, type, code: 0, retriable: false } as never);

  it('keeps its producer when the broker or leader was away, so the batch is sent again under the same sequence numbers', () => {
    expect(
      producerStateLost(new KafkaJSNumberOfRetriesExceeded(protocolError('NOT_LEADER_OR_FOLLOWER'), { retryCount: 5, retryTime: 5000 })),
    ).toBe(false);
    expect(producerStateLost(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092'))).toBe(false);
    expect(producerStateLost(new Error('relation "messaging_outbox" does not exist'))).toBe(false);
  });

  it('takes a new producer when the broker lost its id or sequence, also as the cause of a retried failure', () => {
    expect(producerStateLost(protocolError('UNKNOWN_PRODUCER_ID'))).toBe(true);
    expect(
      producerStateLost(
        new KafkaJSNumberOfRetriesExceeded(protocolError('OUT_OF_ORDER_SEQUENCE_NUMBER'), { retryCount: 5, retryTime: 5000 }),
      ),
    ).toBe(true);
  });
});

describe('grouping outbox rows into one produce request per partition', () => {
  const row = (seq: number, topic: string, key: string): OutboxRow => ({
    seq: String(seq),
    topic,
    message_key: key,
    headers: {},
    payload: '{}',
    created_ms: Date.now(),
  });
  const counts = new Map([
    ['centres', 3],
    ['funding', 6],
  ]);
  const keys = Array.from({ length: 40 }, (_, i) => `centre-${i}`);

  it('puts every row of a key into one partition batch, in seq order, as the default partitioner would', () => {
    const rows = keys.flatMap((key, i) => [row(2 * i, 'centres', key), row(2 * i + 1, 'funding', key)]);
    const batches = partitionBatches(rows, (r) => r.topic, counts);

    expect(batches.map((b) => b.rows.length).reduce((a, b) => a + b)).toBe(rows.length);
    const partitioner = Partitioners.DefaultPartitioner();
    for (const b of batches) {
      expect(b.partition).toBeLessThan(counts.get(b.topic) as number);
      expect(b.rows.map((r) => Number(r.seq))).toEqual([...b.rows.map((r) => Number(r.seq))].sort((x, y) => x - y));
      for (const r of b.rows) {
        expect(r.topic).toBe(b.topic);
        const partitionMetadata = Array.from({ length: counts.get(b.topic) as number }, (_, partitionId) => ({ partitionId, leader: 1 }));
        expect(
          partitioner({ topic: b.topic, partitionMetadata: partitionMetadata as never, message: { key: r.message_key, value: null } }),
        ).toBe(b.partition);
      }
    }
    // Forty keys spread over every partition of both topics.
    expect(batches.filter((b) => b.topic === 'centres')).toHaveLength(3);
    expect(batches.filter((b) => b.topic === 'funding')).toHaveLength(6);
  });

  it('refuses a topic whose partition count was not read', () => {
    expect(() => partitionBatches([row(1, 'announcements', 'a')], (r) => r.topic, counts)).toThrow(
      'no partition count known for topic announcements',
    );
  });
});
