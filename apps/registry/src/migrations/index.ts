import { messagingMigrations } from '@ki/messaging';
import { Registry1764000003000 } from './1764000003000-registry';

/** Every migration of the registry database, oldest first. */
export const registryMigrations = [...messagingMigrations, Registry1764000003000];
