import { EventTypes } from '@ki/contracts';
import { maskPayload, maskText } from './masking';

describe('masking personal data', () => {
  const command = { hostBodyKey: '05558', contactEmail: 'ki@example.org' };

  it('masks the fields the contract marks sensitive', () => {
    expect(maskPayload(EventTypes.RegisterCentreV1.type, command, false)).toEqual({ hostBodyKey: '05558', contactEmail: '•••' });
  });

  it('shows them to a key that may reveal them', () => {
    expect(maskPayload(EventTypes.RegisterCentreV1.type, command, true)).toEqual(command);
  });

  it('masks e-mail addresses in text that is no JSON', () => {
    expect(maskText('{"contactEmail":"ki@example.org"', false)).toBe('{"contactEmail":"•••"');
  });
});

describe('masking e-mail addresses in raw text', () => {
  it('masks each word holding an address and keeps the rest', () => {
    expect(maskText('contact: ki@example.org, <press@kreis-coesfeld.de> or x@y', false)).toBe('contact: •••, <•••> or x@y');
  });

  it('takes linear time on a megabyte without separators, with or without an @', () => {
    for (const text of ['a'.repeat(1_000_000), `${'a'.repeat(500_000)}@${'b'.repeat(500_000)}`, 'a@'.repeat(500_000)]) {
      const started = performance.now();
      maskText(text, false);
      expect(performance.now() - started).toBeLessThan(200);
    }
  });
});
