import { Topics } from '@ki/contracts';
import { cursorAfter, readCursor } from '../messages/message-search';
import { capped, MAX_KEPT_VALUE_CHARS, MAX_SEARCHABLE_CHARS, observe, RawMessage } from './indexed-message';

const raw = (extra: Partial<RawMessage>): RawMessage => ({
  topic: Topics.centres,
  partition: 0,
  offset: '7',
  timestamp: '2026-01-01T10:00:00.000Z',
  key: '05558',
  value: '{"hostBodyKey":"05558"}',
  headers: { ce_id: 'id-1', ce_type: 'ki.test.v1' },
  ...extra,
});

describe('what the index keeps of a message', () => {
  it('keeps a small message whole and counts its bytes', () => {
    const message = capped(observe(raw({})));

    expect(message).toMatchObject({ key: '05558', hostBodyKey: '05558', id: 'id-1', truncated: false });
    expect(message.size).toBe(5 + 23 + 'ce_idid-1ce_typeki.test.v1'.length);
  });

  it('replaces NUL characters, which PostgreSQL text cannot hold', () => {
    const message = capped(observe(raw({ value: 'a\u0000b', headers: { ce_id: 'x\u0000' } })));

    expect(message.value).toBe('a\uFFFDb');
    expect(message.id).toBe('x\uFFFD');
  });

  it('cuts a long key to a searchable length and a large value without its payload, and says so', () => {
    const message = capped(observe(raw({ key: 'k'.repeat(MAX_SEARCHABLE_CHARS + 1), value: `"${'v'.repeat(MAX_KEPT_VALUE_CHARS)}"` })));

    expect(message.key).toHaveLength(MAX_SEARCHABLE_CHARS);
    expect(message.value).toContain('more characters not kept');
    expect(message.payload).toBeUndefined();
    expect(message.truncated).toBe(true);
  });

  it('reads a dead letter whose numeric headers are garbage without failing', () => {
    const message = observe(raw({ topic: Topics.deadLetters, headers: { dlq_original_partition: 'x', dlq_attempts: '1e99' } }));

    expect(message.deadLetter).toMatchObject({ originalPartition: -1, attempts: 0, consumerGroup: '' });
  });
});

describe('search cursors', () => {
  it('name the message a page ended with, and nothing else passes as one', () => {
    const message = { ...observe(raw({})), seq: 42 };

    expect(readCursor(cursorAfter(message))).toEqual({ time: '2026-01-01T10:00:00.000Z', seq: 42 });
    for (const bad of ['xyz', Buffer.from('[1,2]').toString('base64url'), Buffer.from('["soon",1]').toString('base64url')])
      expect(readCursor(bad)).toBeUndefined();
  });
});
