import { messagingMigrations } from '@ki/messaging';
import { Openings1764000002000 } from './1764000002000-openings';

/** Every migration of the notifications database, oldest first. */
export const notificationsMigrations = [...messagingMigrations, Openings1764000002000];
