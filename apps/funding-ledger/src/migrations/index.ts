import { messagingMigrations } from '@ki/messaging';
import { HttpIdempotency1764000000200 } from '@ki/platform';
import { KnownCentres1764000001000 } from './1764000001000-known-centres';
import { Ledger1764000001100 } from './1764000001100-ledger';
import { ClosuresFirst1764000001200 } from './1764000001200-closures-first';
import { OpeningDateStatus1764000001300 } from './1764000001300-opening-date-status';

/** Every migration of the ledger database, oldest first. */
export const ledgerMigrations = [
  ...messagingMigrations,
  HttpIdempotency1764000000200,
  KnownCentres1764000001000,
  Ledger1764000001100,
  ClosuresFirst1764000001200,
  OpeningDateStatus1764000001300,
];
