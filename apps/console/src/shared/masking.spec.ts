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
