import type { ServiceDefinition } from '@ki/platform';
import { LedgerConfig, loadLedgerConfig } from './config';
import { FundingLedgerModule } from './funding-ledger.module';

/** How the funding-ledger process is built; main.ts and the tests start it from here. */
export const fundingLedgerService: ServiceDefinition = {
  loadConfig: loadLedgerConfig,
  rootModule: (config, logger) => FundingLedgerModule.forRoot(config as LedgerConfig, logger),
  docs: { title: 'ki-network funding ledger', description: "Double-entry ledger of the Land's KI funding in EUR and teacher posts." },
};
