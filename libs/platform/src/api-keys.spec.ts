import { apiKeysOrDevelopment, parseApiKeys } from './api-keys';
import { ConfigError } from './config';

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

describe('apiKeysOrDevelopment', () => {
  const source = { variable: 'REGISTRY_API_KEYS', developmentKey: 'ki-dev-registry-write-key', roles: ['registry:write'] };

  it('falls back to the development key outside production', () => {
    for (const nodeEnv of [undefined, 'development', 'test'])
      expect(apiKeysOrDevelopment({ ...source, spec: undefined, nodeEnv })).toEqual([
        { name: 'development', key: 'ki-dev-registry-write-key', roles: ['registry:write'] },
      ]);
  });

  it('refuses to start a production service without its own keys, naming the variable', () => {
    const start = () => apiKeysOrDevelopment({ ...source, spec: undefined, nodeEnv: 'production' });
    expect(start).toThrow(ConfigError);
    expect(start).toThrow('REGISTRY_API_KEYS must be set when NODE_ENV=production');
  });

  it('uses the configured keys in production', () => {
    expect(apiKeysOrDevelopment({ ...source, spec: 'ops:0123456789abcdef01:registry:write', nodeEnv: 'production' })).toEqual([
      { name: 'ops', key: '0123456789abcdef01', roles: ['registry:write'] },
    ]);
  });
});
