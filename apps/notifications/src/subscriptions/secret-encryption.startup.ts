import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { SERVICE_CONFIG } from '@ki/platform';
import { DataSource } from 'typeorm';
import { NotificationsConfig } from '../config';
import { deleteExpiredPreviousSecrets, lockStoredSecrets, updateStoredSecrets } from './database/subscriptions.repository';
import { isPlainSecret, SecretBox, SecretBoxError } from './domain/secret-box';

/** Advisory lock id of this start-up step ("kisc"), so replicas starting at once take turns. */
const SECRET_LOCK = 0x6b69_7363;

/**
 * Runs at start, after the migrations and before the service listens or delivers: encrypts the
 * plain-text secrets from before encryption at rest (a migration has no key), re-encrypts values
 * of an older key under the first key of NOTIFICATIONS_SECRET_KEYS (so the older key can be
 * dropped after one start), and refuses to start when a stored secret cannot be decrypted with
 * the configured keys, instead of failing every delivery later.
 */
@Injectable()
export class SecretEncryptionAtStart implements OnModuleInit {
  private readonly logger = new Logger('WebhookSecrets');

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.config.developmentSecretKey)
      this.logger.log('the development key encrypts webhook secrets (NOTIFICATIONS_SECRET_KEYS unset, NODE_ENV is development or test)');
    const box = this.config.secretBox;
    const changed = await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [SECRET_LOCK]);
      await deleteExpiredPreviousSecrets(manager);
      const failures: string[] = [];
      let count = 0;
      for (const row of await lockStoredSecrets(manager)) {
        try {
          const secret = current(box, row.secret, row.id);
          const previous = row.previousSecret === null ? null : current(box, row.previousSecret, row.id);
          if (secret === row.secret && previous === row.previousSecret) continue;
          await updateStoredSecrets(manager, row.id, secret, previous);
          count++;
        } catch (err) {
          if (!(err instanceof SecretBoxError)) throw err;
          failures.push(`subscription ${row.id}: ${err.message}`);
        }
      }
      if (failures.length > 0)
        throw new Error(
          `NOTIFICATIONS_SECRET_KEYS cannot decrypt the webhook secrets of ${failures.length} subscription(s); configure the key they were encrypted with (after the new one): ${failures.slice(0, 5).join('; ')}`,
        );
      return count;
    });
    if (changed > 0) this.logger.log(`encrypted ${changed} webhook secret(s) under key id ${box.currentKeyId}`);
  }
}

/** The stored value as it should be: encrypted under the current key. */
function current(box: SecretBox, stored: string, subscriptionId: string): string {
  if (isPlainSecret(stored)) return box.encrypt(stored, subscriptionId);
  const plain = box.decrypt(stored, subscriptionId);
  return stored.startsWith(`v1:${box.currentKeyId}:`) ? stored : box.encrypt(plain, subscriptionId);
}
