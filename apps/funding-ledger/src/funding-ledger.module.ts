import { DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@ki/messaging';
import { PlatformModule, ServiceConfig } from '@ki/platform';
import type { Logger } from 'pino';
import { KnownCentre } from './known-centres/known-centre.entity';
import { KnownCentresModule } from './known-centres/known-centres.module';
import { ledgerMigrations } from './migrations';

/** Consumer group of the ledger; renaming it makes the ledger re-read every topic from the start. */
export const LEDGER_GROUP = 'funding-ledger';

/** The funding-ledger service: double-entry allocation of the Land's funding. */
@Module({})
export class FundingLedgerModule {
  static forRoot(config: ServiceConfig, logger: Logger): DynamicModule {
    return {
      module: FundingLedgerModule,
      imports: [
        PlatformModule.forRoot({ config, logger, entities: [KnownCentre], migrations: ledgerMigrations }),
        MessagingModule.forRoot({ consumerGroups: [LEDGER_GROUP] }),
        KnownCentresModule,
      ],
    };
  }
}
