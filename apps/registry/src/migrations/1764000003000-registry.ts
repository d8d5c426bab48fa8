import fs from 'node:fs';
import path from 'node:path';
import { MigrationInterface, QueryRunner } from 'typeorm';

/** Key of Stadt Aachen: a kreisfreie Stadt inside the Städteregion Aachen with a centre of its own. */
const STADT_AACHEN = { key: '05334002', territoryKey: '05334', name: 'Stadt Aachen' };

/** Official display name of a territory as a host body ("Kreis Coesfeld", "Stadt Bonn"). */
function hostBodyName(name: string, kind: string): string {
  if (kind === 'kreisfreie_stadt') return `Stadt ${name}`;
  if (kind === 'kreis' && !/kreis/i.test(name)) return `Kreis ${name}`;
  return name;
}

/** Territories, host bodies and centres, with the reference data the project ships. */
export class Registry1764000003000 implements MigrationInterface {
  name = 'Registry1764000003000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE territories (
        key              text PRIMARY KEY CHECK (key ~ '^05[0-9]{3}$'),
        name             text NOT NULL,
        kind             text NOT NULL CHECK (kind IN ('kreis', 'kreisfreie_stadt', 'staedteregion')),
        regierungsbezirk text NOT NULL
      )`);
    await q.query(`
      CREATE TABLE host_bodies (
        key           text PRIMARY KEY,
        territory_key text NOT NULL REFERENCES territories (key),
        name          text NOT NULL
      )`);
    await q.query(`
      CREATE TABLE centres (
        id             uuid PRIMARY KEY,
        host_body_key  text NOT NULL REFERENCES host_bodies (key),
        name           text NOT NULL,
        host_authority text NOT NULL,
        address        text NOT NULL,
        contact_email  text NOT NULL,
        status         text NOT NULL CHECK (status IN ('registered', 'open', 'closed')),
        ordinal        integer UNIQUE CHECK (ordinal > 0),
        opened_on      date,
        opening_place  text,
        closed_on      date,
        close_reason   text,
        registered_at  timestamptz NOT NULL DEFAULT now(),
        CHECK ((status = 'registered') = (ordinal IS NULL)),
        CHECK ((status = 'registered') = (opened_on IS NULL)),
        CHECK ((status = 'closed') = (closed_on IS NOT NULL)),
        CHECK (closed_on IS NULL OR closed_on >= opened_on)
      )`);
    // At most one active centre per host body, whatever the code does.
    await q.query(`CREATE UNIQUE INDEX centres_one_active_per_host_body ON centres (host_body_key) WHERE status <> 'closed'`);
    // Gapless statewide ordinals: the row lock serialises openings; a rolled back opening frees its number.
    await q.query(`CREATE TABLE opening_ordinals (singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), last integer NOT NULL)`);
    await q.query(`INSERT INTO opening_ordinals (last) VALUES (0)`);
    await q.query(`
      CREATE TABLE centre_history (
        seq         bigserial PRIMARY KEY,
        centre_id   uuid NOT NULL REFERENCES centres (id),
        event_id    text NOT NULL UNIQUE,
        event_type  text NOT NULL,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        payload     jsonb NOT NULL
      )`);
    await q.query(`CREATE INDEX centre_history_centre ON centre_history (centre_id, seq)`);

    const csv = fs.readFileSync(path.join(__dirname, '../territories/data/territories-nrw.csv'), 'utf8').trim().split('\n').slice(1);
    for (const line of csv) {
      const [key, name, kind, regierungsbezirk] = line.split(',');
      await q.query(`INSERT INTO territories (key, name, kind, regierungsbezirk) VALUES ($1, $2, $3, $4)`, [
        key,
        name,
        kind,
        regierungsbezirk,
      ]);
      await q.query(`INSERT INTO host_bodies (key, territory_key, name) VALUES ($1, $1, $2)`, [key, hostBodyName(name, kind)]);
    }
    await q.query(`INSERT INTO host_bodies (key, territory_key, name) VALUES ($1, $2, $3)`, [
      STADT_AACHEN.key,
      STADT_AACHEN.territoryKey,
      STADT_AACHEN.name,
    ]);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE centre_history, opening_ordinals, centres, host_bodies, territories`);
  }
}
