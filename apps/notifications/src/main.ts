import 'reflect-metadata';
import { runServiceProcess } from '@ki/messaging';
import { loadNotificationsConfig } from './config';
import { NotificationsModule } from './notifications.module';

runServiceProcess({
  loadConfig: loadNotificationsConfig,
  rootModule: (config, logger) => NotificationsModule.forRoot(config, logger),
  docs: { title: 'ki-network notifications', description: 'Announcements of KI openings and their funding.' },
});
