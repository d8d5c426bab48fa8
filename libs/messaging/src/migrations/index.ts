import { MessagingInbox1764000000000 } from './1764000000000-messaging-inbox';
import { MessagingOutbox1764000000100 } from './1764000000100-messaging-outbox';
import { InboxWithoutCorrelationIndex1764100000000 } from './1764100000000-inbox-without-correlation-index';
import { InboxReaderGrant1764200000000 } from './1764200000000-inbox-reader-grant';

export { INBOX_READER_ROLE } from './1764200000000-inbox-reader-grant';
import { InboxHandledBy1764200000100 } from './1764200000100-inbox-handled-by';

/** Migrations of the messaging tables; every service lists them before its own. */
export const messagingMigrations = [
  MessagingInbox1764000000000,
  MessagingOutbox1764000000100,
  InboxWithoutCorrelationIndex1764100000000,
  InboxReaderGrant1764200000000,
  InboxHandledBy1764200000100,
];
