import { messagingMigrations } from '@ki/messaging';
import { KnownCentres1764000001000 } from './1764000001000-known-centres';

/** Every migration of the ledger database, oldest first. */
export const ledgerMigrations = [...messagingMigrations, KnownCentres1764000001000];
