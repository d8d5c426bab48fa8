import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { MessagingModule } from '@ki/messaging';
import { API_KEYS, ApiKeyGuard, IdempotencyInterceptor, PlatformModule } from '@ki/platform';
import type { Logger } from 'pino';
import { AnnouncementsModule } from './announcements/announcements.module';
import { NotificationsConfig } from './config';
import { DeliveriesModule } from './deliveries/deliveries.module';
import { notificationsMigrations } from './migrations';
import { SubscriptionsModule } from './subscriptions/subscriptions.module';

/** Consumer group of the notifications service. */
export const NOTIFICATIONS_GROUP = 'notifications';

/** The notifications service: announcements of openings and their funding, delivered by webhook, e-mail and feed. */
@Module({})
export class NotificationsModule {
  static forRoot(config: NotificationsConfig, logger: Logger): DynamicModule {
    return {
      module: NotificationsModule,
      imports: [
        PlatformModule.forRoot({ config, logger, entities: [], migrations: notificationsMigrations }),
        MessagingModule.forRoot({ consumerGroups: [NOTIFICATIONS_GROUP] }),
        AnnouncementsModule,
        SubscriptionsModule,
        DeliveriesModule,
      ],
      providers: [
        { provide: API_KEYS, useValue: config.apiKeys },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
      ],
    };
  }
}
