import { messagingMigrations } from '@ki/messaging';
import { HttpIdempotency1764000000200 } from '@ki/platform';
import { Openings1764000002000 } from './1764000002000-openings';
import { Announcements1764000004000 } from './1764000004000-announcements';
import { ParkedOpenings1764000006000 } from './1764000006000-parked-openings';
import { OpeningDetails1764000007000 } from './1764000007000-opening-details';
import { WebhookSecretRotation1764000008500 } from './1764000008500-webhook-secret-rotation';

/** Every migration of the notifications database, oldest first. */
export const notificationsMigrations = [
  ...messagingMigrations,
  Openings1764000002000,
  HttpIdempotency1764000000200,
  Announcements1764000004000,
  ParkedOpenings1764000006000,
  OpeningDetails1764000007000,
  WebhookSecretRotation1764000008500,
];
