import type { ServiceDefinition } from '@ki/platform';
import { ConsoleConfig, loadConsoleConfig } from './config';
import { ConsoleModule } from './console.module';

/** How the console process is built; main.ts and the tests start it from here. */
export const consoleService: ServiceDefinition = {
  loadConfig: loadConsoleConfig,
  rootModule: (config, logger) => ConsoleModule.forRoot(config as ConsoleConfig, logger),
  docs: {
    title: 'ki-network operator console',
    description: 'What happened to every event: live flow, journeys of centres, consumer lag, dead letters and their replay, catalogue.',
  },
};
