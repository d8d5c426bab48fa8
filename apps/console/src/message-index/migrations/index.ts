import { MessageIndex1764300000000 } from './1764300000000-message-index';

/** Every migration of the console database, oldest first. */
export const consoleMigrations = [MessageIndex1764300000000];
