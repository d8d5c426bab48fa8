import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook secrets encrypted at rest, and a previous secret that stays valid during a rotation's
 * overlap. Encrypting the existing plain-text secrets needs the key from the configuration, which
 * a migration does not have: the service does it at start, right after the migrations
 * (SecretEncryptionAtStart), and refuses to start while a secret cannot be decrypted.
 */
export class WebhookSecretRotation1764000008500 implements MigrationInterface {
  name = 'WebhookSecretRotation1764000008500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE subscriptions
        ADD COLUMN previous_secret       text,
        ADD COLUMN previous_secret_until timestamptz,
        ADD CONSTRAINT subscriptions_previous_secret_until CHECK ((previous_secret IS NULL) = (previous_secret_until IS NULL))`);
    await q.query(`COMMENT ON COLUMN subscriptions.secret IS 'v1:<key id>:<base64 of nonce, tag, AES-256-GCM ciphertext>'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`COMMENT ON COLUMN subscriptions.secret IS NULL`);
    await q.query(`ALTER TABLE subscriptions DROP COLUMN previous_secret, DROP COLUMN previous_secret_until`);
  }
}
