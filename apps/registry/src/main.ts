import 'reflect-metadata';
import { runServiceProcess } from '@ki/messaging';
import { loadRegistryConfig } from './config';
import { RegistryModule } from './registry.module';

runServiceProcess({
  loadConfig: loadRegistryConfig,
  rootModule: (config, logger) => RegistryModule.forRoot(config, logger),
  docs: { title: 'ki-network registry', description: 'NRW territories, KI centres and their lifecycle.' },
});
