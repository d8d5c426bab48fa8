import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The double-entry ledger. A transfer moves one positive amount in one unit from a debit account
 * to a credit account, so its two postings balance by construction; the composite foreign keys
 * make both accounts carry the transfer's unit. Account totals follow the transfers through a
 * trigger, and a check constraint keeps budget and grant accounts from going below zero even if
 * application code is wrong. Transfers are append-only: corrections are reversing transfers.
 */
export class Ledger1764000001100 implements MigrationInterface {
  name = 'Ledger1764000001100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ledger_accounts (
        id              text    PRIMARY KEY,
        kind            text    NOT NULL CHECK (kind IN ('SOURCE', 'BUDGET', 'GRANT')),
        unit            text    NOT NULL CHECK (unit IN ('EUR_CENT', 'POST_HUNDREDTH')),
        programme_code  text,
        fiscal_year     integer,
        centre_id       uuid,
        debits_posted   bigint  NOT NULL DEFAULT 0 CHECK (debits_posted >= 0),
        credits_posted  bigint  NOT NULL DEFAULT 0 CHECK (credits_posted >= 0),
        opened_at       timestamptz NOT NULL DEFAULT now(),
        UNIQUE (id, unit),
        -- Only the Land (the source of all money and posts) may be overdrawn.
        CONSTRAINT ledger_balance_not_negative CHECK (kind = 'SOURCE' OR credits_posted >= debits_posted),
        CHECK ((kind = 'GRANT') = (centre_id IS NOT NULL)),
        CHECK ((kind = 'SOURCE') = (programme_code IS NULL))
      )`);
    await q.query(`
      CREATE TABLE funding_decisions (
        id                  uuid    PRIMARY KEY,
        centre_id           uuid    NOT NULL,
        fiscal_year         integer NOT NULL,
        occasion            text    NOT NULL CHECK (occasion IN ('opening', 'rollover')),
        outcome             text    NOT NULL CHECK (outcome IN ('allocated', 'rejected')),
        reason              text    CHECK (reason IN ('BUDGET_EXHAUSTED', 'CENTRE_CLOSED', 'NO_PROGRAMME_FOR_YEAR')),
        detail              text,
        caused_by_event_id  text    NOT NULL,
        decided_at          timestamptz NOT NULL DEFAULT now(),
        CHECK ((outcome = 'rejected') = (reason IS NOT NULL)),
        -- One decision per centre, year and occasion: a re-sent opening with a new event id is a no-op.
        UNIQUE (centre_id, fiscal_year, occasion)
      )`);
    await q.query(`
      CREATE TABLE ledger_transfers (
        id                    uuid    PRIMARY KEY,
        debit_account_id      text    NOT NULL,
        credit_account_id     text    NOT NULL,
        unit                  text    NOT NULL,
        amount                bigint  NOT NULL CHECK (amount > 0),
        kind                  text    NOT NULL CHECK (kind IN ('BUDGET', 'ALLOCATION', 'REVERSAL')),
        programme_code        text    NOT NULL,
        fiscal_year           integer NOT NULL,
        centre_id             uuid,
        value_date            date    NOT NULL,
        legal_basis           text    NOT NULL CHECK (length(legal_basis) > 0),
        caused_by_event_id    text    NOT NULL,
        decision_id           uuid    REFERENCES funding_decisions (id),
        reverses_transfer_id  uuid    UNIQUE REFERENCES ledger_transfers (id),
        recorded_at           timestamptz NOT NULL DEFAULT now(),
        CHECK (debit_account_id <> credit_account_id),
        CHECK ((kind = 'REVERSAL') = (reverses_transfer_id IS NOT NULL)),
        CHECK ((kind = 'ALLOCATION') = (decision_id IS NOT NULL)),
        FOREIGN KEY (debit_account_id, unit) REFERENCES ledger_accounts (id, unit),
        FOREIGN KEY (credit_account_id, unit) REFERENCES ledger_accounts (id, unit)
      )`);
    // At most one allocation per centre, programme and fiscal year; one budget per programme and year.
    await q.query(
      `CREATE UNIQUE INDEX ledger_one_allocation ON ledger_transfers (centre_id, programme_code, fiscal_year) WHERE kind = 'ALLOCATION'`,
    );
    await q.query(`CREATE UNIQUE INDEX ledger_one_budget ON ledger_transfers (programme_code, fiscal_year) WHERE kind = 'BUDGET'`);
    await q.query(`CREATE INDEX ledger_transfers_debit ON ledger_transfers (debit_account_id, value_date)`);
    await q.query(`CREATE INDEX ledger_transfers_credit ON ledger_transfers (credit_account_id, value_date)`);
    await q.query(`CREATE INDEX ledger_transfers_centre ON ledger_transfers (centre_id, fiscal_year)`);

    await q.query(`
      CREATE FUNCTION ledger_post_transfer() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE ledger_accounts SET debits_posted = debits_posted + NEW.amount WHERE id = NEW.debit_account_id;
        UPDATE ledger_accounts SET credits_posted = credits_posted + NEW.amount WHERE id = NEW.credit_account_id;
        RETURN NULL;
      END $$`);
    await q.query(
      `CREATE TRIGGER ledger_transfers_post AFTER INSERT ON ledger_transfers FOR EACH ROW EXECUTE FUNCTION ledger_post_transfer()`,
    );
    await q.query(`
      CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only: book a reversing transfer instead', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
      END $$`);
    await q.query(
      `CREATE TRIGGER ledger_transfers_append_only BEFORE UPDATE OR DELETE ON ledger_transfers FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()`,
    );
    await q.query(
      `CREATE TRIGGER ledger_transfers_no_truncate BEFORE TRUNCATE ON ledger_transfers FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()`,
    );
    await q.query(
      `CREATE TRIGGER funding_decisions_append_only BEFORE UPDATE OR DELETE ON funding_decisions FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()`,
    );

    // Every transfer seen as its two postings: the debit side negative, the credit side positive.
    await q.query(`
      CREATE VIEW ledger_postings AS
        SELECT id AS transfer_id, debit_account_id AS account_id, unit, -amount AS amount, value_date, recorded_at FROM ledger_transfers
        UNION ALL
        SELECT id, credit_account_id, unit, amount, value_date, recorded_at FROM ledger_transfers`);

    await q.query(`ALTER TABLE known_centres ADD COLUMN closed_on date, ADD COLUMN closed_event_id text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE known_centres DROP COLUMN closed_on, DROP COLUMN closed_event_id`);
    await q.query(`DROP VIEW ledger_postings`);
    await q.query(`DROP TABLE ledger_transfers`);
    await q.query(`DROP TABLE funding_decisions`);
    await q.query(`DROP TABLE ledger_accounts`);
    await q.query(`DROP FUNCTION ledger_refuse_change`);
    await q.query(`DROP FUNCTION ledger_post_transfer`);
  }
}
