import { DynamicModule, Module } from '@nestjs/common';
import { MessagingModule, messagingMigrations } from '@ki/messaging';
import { PlatformModule, ServiceConfig } from '@ki/platform';
import type { Logger } from 'pino';

/** The registry service: territories, KI centres and their lifecycle. */
@Module({})
export class RegistryModule {
  static forRoot(config: ServiceConfig, logger: Logger): DynamicModule {
    return {
      module: RegistryModule,
      imports: [
        PlatformModule.forRoot({ config, logger, entities: [], migrations: [...messagingMigrations] }),
        MessagingModule.forRoot({ consumerGroups: [] }),
      ],
    };
  }
}
