import { messagingMigrations } from '@ki/messaging';
import { HttpIdempotency1764000000200 } from '@ki/platform';
import { Registry1764000003000 } from './1764000003000-registry';
import { OpeningRecords1764000003100 } from './1764000003100-opening-records';

/** Every migration of the registry database, oldest first. */
export const registryMigrations = [
  ...messagingMigrations,
  HttpIdempotency1764000000200,
  Registry1764000003000,
  OpeningRecords1764000003100,
];
