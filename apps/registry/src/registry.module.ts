import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { MessagingModule } from '@ki/messaging';
import { API_KEYS, ApiKeyGuard, IdempotencyInterceptor, PlatformModule } from '@ki/platform';
import type { Logger } from 'pino';
import { Centre, CentreHistoryEntry, HostBody, Territory } from './centres/database/centre.entity';
import { CentresModule } from './centres/centres.module';
import { RegistryConfig } from './config';
import { registryMigrations } from './migrations';

/** Consumer group of the registry's command handlers. */
export const REGISTRY_GROUP = 'registry';

/** The registry service: territories, KI centres and their lifecycle. */
@Module({})
export class RegistryModule {
  static forRoot(config: RegistryConfig, logger: Logger): DynamicModule {
    return {
      module: RegistryModule,
      imports: [
        PlatformModule.forRoot({
          config,
          logger,
          entities: [Centre, HostBody, Territory, CentreHistoryEntry],
          migrations: registryMigrations,
        }),
        MessagingModule.forRoot({ consumerGroups: [REGISTRY_GROUP] }),
        CentresModule,
      ],
      providers: [
        { provide: API_KEYS, useValue: config.apiKeys },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
      ],
    };
  }
}
