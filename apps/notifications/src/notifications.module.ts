import { DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@ki/messaging';
import { PlatformModule, ServiceConfig } from '@ki/platform';
import type { Logger } from 'pino';
import { notificationsMigrations } from './migrations';
import { Opening } from './openings/opening.entity';
import { OpeningsModule } from './openings/openings.module';

/** Consumer group of the notifications service. */
export const NOTIFICATIONS_GROUP = 'notifications';

/** The notifications service: announcements of openings and their funding. */
@Module({})
export class NotificationsModule {
  static forRoot(config: ServiceConfig, logger: Logger): DynamicModule {
    return {
      module: NotificationsModule,
      imports: [
        PlatformModule.forRoot({ config, logger, entities: [Opening], migrations: notificationsMigrations }),
        MessagingModule.forRoot({ consumerGroups: [NOTIFICATIONS_GROUP] }),
        OpeningsModule,
      ],
    };
  }
}
