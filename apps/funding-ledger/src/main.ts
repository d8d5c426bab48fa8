import 'reflect-metadata';
import { runServiceProcess } from '@ki/messaging';
import { loadLedgerConfig } from './config';
import { FundingLedgerModule } from './funding-ledger.module';

runServiceProcess({
  loadConfig: loadLedgerConfig,
  rootModule: (config, logger) => FundingLedgerModule.forRoot(config, logger),
  docs: { title: 'ki-network funding ledger', description: "Double-entry ledger of the Land's KI funding in EUR and teacher posts." },
});
