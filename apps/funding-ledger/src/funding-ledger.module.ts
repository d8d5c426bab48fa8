import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { MessagingModule } from '@ki/messaging';
import { API_KEYS, ApiKeyGuard, IdempotencyInterceptor, PlatformModule } from '@ki/platform';
import type { Logger } from 'pino';
import { AllocateFunding } from './allocation/allocate-funding';
import { AllocateOnOpening } from './allocation/allocate-on-opening';
import { FundingKafkaController } from './allocation/funding.kafka.controller';
import { ReverseOnClosing } from './closing/reverse-on-closing';
import { LedgerConfig } from './config';
import { ledgerMigrations } from './migrations';
import { PROGRAMMES } from './programmes/programmes';
import { LedgerHttpController } from './queries/ledger.http.controller';
import { LedgerQueries } from './queries/ledger-queries';
import { FiscalYearRollover } from './rollover/fiscal-year-rollover';
import { RolloverHttpController } from './rollover/rollover.http.controller';
import { WhatIfHttpController } from './what-if/what-if.http.controller';

/** Consumer group of the ledger; renaming it makes the ledger re-read every topic from the start. */
export const LEDGER_GROUP = 'funding-ledger';

/** The funding-ledger service: double-entry allocation of the Land's funding. */
@Module({})
export class FundingLedgerModule {
  static forRoot(config: LedgerConfig, logger: Logger): DynamicModule {
    return {
      module: FundingLedgerModule,
      imports: [
        PlatformModule.forRoot({ config, logger, entities: [], migrations: ledgerMigrations }),
        MessagingModule.forRoot({ consumerGroups: [LEDGER_GROUP] }),
      ],
      controllers: [FundingKafkaController, LedgerHttpController, RolloverHttpController, WhatIfHttpController],
      providers: [
        { provide: PROGRAMMES, useValue: config.programmes },
        { provide: API_KEYS, useValue: config.apiKeys },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
        AllocateFunding,
        AllocateOnOpening,
        ReverseOnClosing,
        FiscalYearRollover,
        LedgerQueries,
      ],
    };
  }
}
