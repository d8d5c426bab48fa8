import { serviceConfig, ServiceConfig, ServiceEnv, validateEnv } from '@ki/platform';

/** The registry's configuration, validated once at boot. */
export function loadRegistryConfig(env: NodeJS.ProcessEnv): ServiceConfig {
  return serviceConfig({ service: 'registry', port: 3001, database: 'ki_registry' }, validateEnv(ServiceEnv, env));
}
