import type { ServiceDefinition } from '@ki/platform';
import { loadNotificationsConfig, NotificationsConfig } from './config';
import { NotificationsModule } from './notifications.module';

/** How the notifications process is built; main.ts and the tests start it from here. */
export const notificationsService: ServiceDefinition = {
  loadConfig: loadNotificationsConfig,
  rootModule: (config, logger) => NotificationsModule.forRoot(config as NotificationsConfig, logger),
  docs: { title: 'ki-network notifications', description: 'Announcements of KI openings and their funding.' },
};
