import { parseApiKeys } from './api-keys';

describe('parseApiKeys', () => {
  it('reads names, keys and roles that contain colons', () => {
    expect(parseApiKeys('ops:0123456789abcdef01:registry:write+registry:read, ci:fedcba9876543210ff:registry:read')).toEqual([
      { name: 'ops', key: '0123456789abcdef01', roles: ['registry:write', 'registry:read'] },
      { name: 'ci', key: 'fedcba9876543210ff', roles: ['registry:read'] },
    ]);
  });

  it('refuses short keys and entries without roles, naming the entry', () => {
    expect(() => parseApiKeys('ops:short:registry:write')).toThrow('"ops"');
    expect(() => parseApiKeys('ops:0123456789abcdef01')).toThrow('"ops"');
  });
});
