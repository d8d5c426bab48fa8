// Part of `npm run bench`: postings per second of the ledger's allocation path against plain
// INSERTs on the same database in the same run: the same number of rows in the same chunks per
// transaction (the fair baseline), and single-row transactions (what one opening at a time would
// cost without chunks). The allocation path runs as the consumer runs it: a chunk of
// centre-opened events in one transaction (the inbox chunk), each opening of 2016 decided, locked
// against its budgets and booked as three transfers (MAIS grant, MSW teacher posts, KOMM-AN part I)
// = six postings, plus its funding-allocated event in the outbox.
import 'reflect-metadata';
import { CentreOpenedV1, centreOpenedExample } from '@ki/contracts';
import { Outbox } from '@ki/messaging';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AllocateFunding } from '../allocation/allocate-funding';
import { AllocateOnOpening } from '../allocation/allocate-on-opening';
import { ledgerMigrations } from '../migrations';
import { DEFAULT_PROGRAMMES_FILE, parseProgrammes } from '../programmes/programmes';

const N = Number(process.env.BENCH_OPENINGS ?? 5_000);
const CHUNK = 500;
const POSTINGS_PER_OPENING = 6;
const serverUrl = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function report(name: string, count: number, unit: string, ms: number): number {
  const rate = count / (ms / 1000);
  console.log(`${name.padEnd(16)} ${count} ${unit} in ${(ms / 1000).toFixed(2)} s = ${Math.round(rate)} ${unit}/s`);
  return rate;
}

/** One row per statement, each statement its own transaction. */
async function singleRowInserts(url: string): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  await client.query(`CREATE TABLE bench_raw (id uuid PRIMARY KEY, account text NOT NULL, amount bigint NOT NULL)`);
  const started = performance.now();
  for (let i = 0; i < N; i++) await client.query(`INSERT INTO bench_raw VALUES ($1, $2, $3)`, [randomUUID(), 'raw', i]);
  const rate = report('single-row tx', N, 'rows', performance.now() - started);
  await client.end();
  return rate;
}

/** As many rows as the ledger writes postings, one INSERT per row, CHUNK openings' worth per transaction. */
async function batchedInserts(url: string): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  await client.query(`CREATE TABLE bench_batched (id uuid PRIMARY KEY, account text NOT NULL, amount bigint NOT NULL)`);
  const rows = N * POSTINGS_PER_OPENING;
  const perTransaction = CHUNK * POSTINGS_PER_OPENING;
  const started = performance.now();
  for (let i = 0; i < rows; i += perTransaction) {
    await client.query('BEGIN');
    for (let j = i; j < Math.min(rows, i + perTransaction); j++)
      await client.query(`INSERT INTO bench_batched VALUES ($1, $2, $3)`, [randomUUID(), 'batched', j]);
    await client.query('COMMIT');
  }
  const rate = report('batched insert', rows, 'rows', performance.now() - started);
  await client.end();
  return rate;
}

async function ledgerAllocations(url: string): Promise<number> {
  const dataSource = new DataSource({ type: 'postgres', url, migrations: ledgerMigrations, logging: false });
  await dataSource.initialize();
  await dataSource.runMigrations();
  // The shipped programmes with budgets large enough that nothing is refused.
  const shipped = JSON.parse(fs.readFileSync(DEFAULT_PROGRAMMES_FILE, 'utf8'));
  for (const p of shipped.programmes) for (const t of p.terms) t.yearlyBudget = '900000000000000';
  const programmes = parseProgrammes(shipped);
  const allocate = new AllocateOnOpening(programmes, new AllocateFunding(programmes, new Outbox('/ki/funding-ledger')));
  const openings = Array.from({ length: N }, (_, i): CentreOpenedV1 => ({
    ...centreOpenedExample,
    centreId: randomUUID(),
    ordinal: i + 1,
    openedOn: `2016-${String((i % 12) + 1).padStart(2, '0')}-01`,
  }));

  const started = performance.now();
  for (let i = 0; i < N; i += CHUNK)
    await dataSource.transaction(async (manager) => {
      await allocate.executeAll(
        manager,
        openings.slice(i, i + CHUNK).map((opened) => ({ opened, eventId: randomUUID() })),
      );
    });
  const ms = performance.now() - started;
  const [{ postings }] = await dataSource.query(`SELECT count(*)::int AS postings FROM ledger_postings WHERE amount <> 0 AND transfer_id IN
    (SELECT id FROM ledger_transfers WHERE kind = 'ALLOCATION')`);
  if (postings !== N * POSTINGS_PER_OPENING) throw new Error(`expected ${N * POSTINGS_PER_OPENING} postings, found ${postings}`);
  const rate = report('ledger', postings, 'postings', ms);
  await dataSource.destroy();
  return rate;
}

async function main(): Promise<void> {
  const name = `ki_bench_ledger_${randomUUID().slice(0, 8)}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  try {
    const single = await singleRowInserts(url.toString());
    const batched = await batchedInserts(url.toString());
    const ledger = await ledgerAllocations(url.toString());
    console.log('');
    console.log(`ratio ledger-vs-batched-insert ${(ledger / batched).toFixed(2)}   (target >= 0.5)`);
    console.log(`ratio ledger-vs-single-row-transactions ${(ledger / single).toFixed(2)}`);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
