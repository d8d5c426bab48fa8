import { ContractViolation, EventTypes } from '@ki/contracts';
import { coesfeldOpened } from '@ki/testing';
import { encodeEvent, readEnvelope } from './envelope-codec';

const asKafkaHeaders = (headers: Record<string, string>) =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, Buffer.from(value)]));

describe('reading the envelope of a consumed message', () => {
  const { envelope, message } = encodeEvent(EventTypes.CentreOpenedV1, coesfeldOpened(), '/ki/test', {
    causationId: 'evt-0',
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  });

  it('gives back the attributes the producer encoded', () => {
    const read = readEnvelope(asKafkaHeaders(message.headers));
    const attributes = ['id', 'type', 'source', 'time', 'subject', 'correlationId', 'causationId', 'traceparent'] as const;
    expect(Object.fromEntries(attributes.map((name) => [name, read[name]]))).toEqual(envelope);
  });

  it('takes the last value of a repeated header', () => {
    const headers = { ...asKafkaHeaders(message.headers), ce_subject: [Buffer.from('05558'), Buffer.from('05554')] };
    expect(readEnvelope(headers).subject).toBe('05554');
  });

  it.each([
    ['too long', 'a'.repeat(129)],
    ['with a line break', 'abc\ndef'],
    ['with a quote', "x'; DROP TABLE messaging_inbox"],
  ])('refuses a ce_id %s as an invalid header', (_, id) => {
    const read = () => readEnvelope(asKafkaHeaders({ ...message.headers, ce_id: id }));
    expect(read).toThrow(ContractViolation);
    expect(read).toThrow('CONTRACT.INVALID_HEADER: header ce_id must be 1 to 128');
  });

  it('accepts UUIDs and name-based ids', () => {
    for (const id of ['0193a1c2-7d4e-7abc-8def-0123456789ab', 'rollover:2017:05558', 'a'.repeat(128)])
      expect(readEnvelope(asKafkaHeaders({ ...message.headers, ce_id: id })).id).toBe(id);
  });

  it('names every missing or empty required header', () => {
    const headers = asKafkaHeaders({ ...message.headers, ce_time: '' });
    delete headers.ce_source;
    delete headers.ce_correlationid;
    const read = () => readEnvelope(headers);
    expect(read).toThrow(ContractViolation);
    expect(read).toThrow(
      'CONTRACT.MISSING_HEADER: header ce_source is missing; header ce_time is missing; header ce_correlationid is missing',
    );
  });
});
