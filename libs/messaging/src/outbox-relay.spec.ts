import { KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { producerStateLost } from './outbox-relay';

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
