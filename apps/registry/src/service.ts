import type { ServiceDefinition } from '@ki/platform';
import { loadRegistryConfig, RegistryConfig } from './config';
import { RegistryModule } from './registry.module';

/** How the registry process is built; main.ts and the tests start it from here. */
export const registryService: ServiceDefinition = {
  loadConfig: loadRegistryConfig,
  rootModule: (config, logger) => RegistryModule.forRoot(config as RegistryConfig, logger),
  docs: { title: 'ki-network registry', description: 'NRW territories, KI centres and their lifecycle.' },
};
