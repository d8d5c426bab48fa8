import { IsOptional, IsString } from 'class-validator';
import { ApiKey, apiKeysOrDevelopment, serviceConfig, ServiceConfig, ServiceEnv, validateEnv } from '@ki/platform';

/** Development key when REGISTRY_API_KEYS is unset; `npm start` prints it. Never use it in production. */
export const DEVELOPMENT_API_KEY = 'ki-dev-registry-write-key';

class RegistryEnv extends ServiceEnv {
  /** API keys as name:key:role+role, comma-separated. */
  @IsOptional()
  @IsString()
  REGISTRY_API_KEYS?: string;
}

export interface RegistryConfig extends ServiceConfig {
  apiKeys: ApiKey[];
}

/**
 * The registry's configuration, validated once at boot. `serving: false` is for processes that
 * serve no HTTP (the history import): they need no API keys and accept none.
 */
export function loadRegistryConfig(env: NodeJS.ProcessEnv, options: { serving?: boolean } = {}): RegistryConfig {
  const parsed = validateEnv(RegistryEnv, env);
  return {
    ...serviceConfig({ service: 'registry', port: 3001, database: 'ki_registry' }, parsed),
    apiKeys: options.serving === false ? [] : apiKeysOrDevelopment(parsed, 'REGISTRY_API_KEYS', DEVELOPMENT_API_KEY, ['registry:write']),
  };
}
