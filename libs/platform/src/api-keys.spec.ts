import { apiKeysOrDevelopment, parseApiKeys } from './api-keys';
import { ConfigError } from './config';

describe('parseApiKeys', () => {
  it('reads names, keys and roles that contain colons', () => {
    expect(parseApiKeys('ops:0123456789abcdef01:registry:write+registry:read, ci:fedcba9876543210ff:registry:read')).toEqual([
      { name: 'ops', key: '0123456789abcdef01', roles: ['registry:write', 'registry:read'] },
      { name: 'ci', key: 'fedcba9876543210ff', roles: ['registry:read'] },
    ]);
  });

  it('refuses two keys of one name, which would make two callers one', () => {
    expect(() => parseApiKeys('ops:0123456789abcdef01:registry:write,ops:fedcba9876543210ff:registry:read')).toThrow('"ops" is used twice');
  });

  it('never prints a bare key given without name and roles', () => {
    const parse = () => parseApiKeys('ops:0123456789abcdef01:registry:write,0123456789abcdefSECRET');

    expect(parse).toThrow('API key entry number 2 must be');
    expect(parse).not.toThrow(/SECRET/);
  });

  it('refuses short keys and entries without roles, naming the entry', () => {
    expect(() => parseApiKeys('ops:short:registry:write')).toThrow('"ops"');
    expect(() => parseApiKeys('ops:0123456789abcdef01')).toThrow('"ops"');
  });
});

describe('apiKeysOrDevelopment', () => {
  const keys = (env: { REGISTRY_API_KEYS?: string; NODE_ENV?: 'development' | 'test' | 'production' }) =>
    apiKeysOrDevelopment(env, 'REGISTRY_API_KEYS', 'ki-dev-registry-write-key', ['registry:write']);

  it('falls back to the development key only when NODE_ENV is development or test', () => {
    for (const NODE_ENV of ['development', 'test'] as const)
      expect(keys({ NODE_ENV })).toEqual([{ name: 'development', key: 'ki-dev-registry-write-key', roles: ['registry:write'] }]);
  });

  it('refuses to start without its own keys when NODE_ENV is production or unset, naming the variable', () => {
    for (const NODE_ENV of ['production', undefined] as const) {
      const start = () => keys({ NODE_ENV });
      expect(start).toThrow(ConfigError);
      expect(start).toThrow('REGISTRY_API_KEYS must be set');
    }
  });

  it('uses the configured keys in production', () => {
    expect(keys({ REGISTRY_API_KEYS: 'ops:0123456789abcdef01:registry:write', NODE_ENV: 'production' })).toEqual([
      { name: 'ops', key: '0123456789abcdef01', roles: ['registry:write'] },
    ]);
  });
});
