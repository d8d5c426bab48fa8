import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Announcements, subscriptions and deliveries. Openings recorded before this migration keep the
 * state `recorded` and are never announced; new ones wait for their funding result until
 * `funding_due_at` (the durable timer polled by the funding-wait scheduler).
 */
export class Announcements1764000004000 implements MigrationInterface {
  name = 'Announcements1764000004000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE openings
        ADD COLUMN host_body_key  text,
        ADD COLUMN territory_key  text,
        ADD COLUMN state          text NOT NULL DEFAULT 'recorded',
        ADD COLUMN funding_due_at timestamptz,
        ADD CONSTRAINT openings_state CHECK (state IN ('recorded', 'waiting', 'announced', 'announced_alone')),
        ADD CONSTRAINT openings_new_rows_complete CHECK (state = 'recorded' OR (host_body_key IS NOT NULL AND territory_key IS NOT NULL)),
        ADD CONSTRAINT openings_waiting_has_due_time CHECK (state <> 'waiting' OR funding_due_at IS NOT NULL)`);
    await q.query(`CREATE INDEX openings_waiting ON openings (funding_due_at) WHERE state = 'waiting'`);

    await q.query(`
      CREATE TABLE funding_results (
        opening_event_id         text        PRIMARY KEY,
        event_id                 text        NOT NULL UNIQUE,
        outcome                  text        NOT NULL CHECK (outcome IN ('allocated', 'rejected')),
        centre_id                uuid        NOT NULL,
        host_body_key            text        NOT NULL,
        fiscal_year              integer     NOT NULL,
        grant_cents              numeric(17, 0) CHECK (grant_cents >= 0),
        teacher_posts_hundredths integer     CHECK (teacher_posts_hundredths >= 0),
        komm_an_cents            numeric(17, 0) CHECK (komm_an_cents >= 0),
        total_cents              numeric(17, 0) CHECK (total_cents >= 0),
        rejection_reason         text,
        rejection_detail         text,
        known_on                 date        NOT NULL,
        received_at              timestamptz NOT NULL DEFAULT now(),
        CHECK (outcome <> 'allocated' OR (grant_cents IS NOT NULL AND teacher_posts_hundredths IS NOT NULL
                                          AND komm_an_cents IS NOT NULL AND total_cents IS NOT NULL)),
        CHECK (outcome <> 'rejected' OR (rejection_reason IS NOT NULL AND rejection_detail IS NOT NULL))
      )`);

    await q.query(`CREATE TABLE announcement_numbers (year integer PRIMARY KEY, last integer NOT NULL CHECK (last > 0))`);

    await q.query(`
      CREATE TABLE announcements (
        id                       uuid        PRIMARY KEY,
        seq                      bigserial   NOT NULL UNIQUE,
        number                   text        NOT NULL UNIQUE,
        year                     integer     NOT NULL,
        running                  integer     NOT NULL CHECK (running > 0),
        kind                     text        NOT NULL CHECK (kind IN ('opening', 'funding')),
        opening_event_id         text        NOT NULL REFERENCES openings (opened_event_id),
        announced_on             date        NOT NULL,
        title                    text        NOT NULL,
        text                     text        NOT NULL,
        centre_id                uuid        NOT NULL,
        host_body_key            text        NOT NULL,
        host_body_name           text        NOT NULL,
        ordinal                  integer     NOT NULL,
        opened_on                date        NOT NULL,
        place                    text        NOT NULL,
        funding_status           text        NOT NULL CHECK (funding_status IN ('allocated', 'rejected', 'pending')),
        fiscal_year              integer,
        grant_cents              numeric(17, 0),
        teacher_posts_hundredths integer,
        komm_an_cents            numeric(17, 0),
        total_cents              numeric(17, 0),
        rejection_reason         text,
        rejection_detail         text,
        correlation_id           text        NOT NULL,
        published_at             timestamptz NOT NULL DEFAULT now(),
        UNIQUE (year, running),
        -- one announcement of each kind per opening: a redelivered event cannot announce twice
        UNIQUE (opening_event_id, kind),
        CHECK (kind = 'opening' OR funding_status <> 'pending')
      )`);

    await q.query(`
      CREATE TABLE subscriptions (
        id                   uuid        PRIMARY KEY,
        channel              text        NOT NULL CHECK (channel IN ('webhook', 'email')),
        target               text        NOT NULL,
        event_kinds          text[]      NOT NULL CHECK (cardinality(event_kinds) > 0 AND event_kinds <@ ARRAY['opening', 'funding']),
        secret               text,
        description          text,
        status               text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled', 'deleted')),
        consecutive_failures integer     NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
        last_error           text,
        created_at           timestamptz NOT NULL DEFAULT now(),
        disabled_at          timestamptz,
        deleted_at           timestamptz,
        CHECK ((channel = 'webhook') = (secret IS NOT NULL))
      )`);

    await q.query(`
      CREATE TABLE deliveries (
        id              uuid        PRIMARY KEY,
        seq             bigserial   NOT NULL UNIQUE,
        announcement_id uuid        NOT NULL REFERENCES announcements (id),
        subscription_id uuid        NOT NULL REFERENCES subscriptions (id),
        channel         text        NOT NULL CHECK (channel IN ('webhook', 'email')),
        status          text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed', 'cancelled')),
        attempts        integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error      text,
        failure_reason  text,
        resends         integer     NOT NULL DEFAULT 0,
        created_at      timestamptz NOT NULL DEFAULT now(),
        finished_at     timestamptz,
        -- exactly one delivery per announcement and subscriber (and so per channel)
        UNIQUE (announcement_id, subscription_id)
      )`);
    await q.query(`CREATE INDEX deliveries_due ON deliveries (next_attempt_at, seq) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX deliveries_pending_per_subscription ON deliveries (subscription_id, seq) WHERE status = 'pending'`);

    await q.query(`
      CREATE TABLE delivery_attempts (
        id          bigserial   PRIMARY KEY,
        delivery_id uuid        NOT NULL REFERENCES deliveries (id),
        attempt     integer     NOT NULL CHECK (attempt > 0),
        started_at  timestamptz NOT NULL,
        finished_at timestamptz NOT NULL,
        outcome     text        NOT NULL CHECK (outcome IN ('succeeded', 'failed')),
        status_code integer,
        error       text,
        UNIQUE (delivery_id, attempt)
      )`);
    await q.query(`CREATE INDEX delivery_attempts_by_delivery ON delivery_attempts (delivery_id, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE delivery_attempts, deliveries, subscriptions, announcements, announcement_numbers, funding_results`);
    await q.query(`DROP INDEX openings_waiting`);
    await q.query(`
      ALTER TABLE openings
        DROP COLUMN host_body_key, DROP COLUMN territory_key, DROP COLUMN state, DROP COLUMN funding_due_at`);
  }
}
