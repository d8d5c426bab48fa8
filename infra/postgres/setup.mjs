#!/usr/bin/env node
// Creates each service's PostgreSQL database if it is missing. Schemas are not touched here:
// every service runs its own TypeORM migrations when it starts.
//
//   node infra/postgres/setup.mjs
//
// POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres) names the server and a
// role that may create databases. REGISTRY_DATABASE_URL, LEDGER_DATABASE_URL,
// NOTIFICATIONS_DATABASE_URL and CONSOLE_DATABASE_URL override a service's database (see databases.json).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../../package.json'));
export const services = JSON.parse(fs.readFileSync(path.join(here, 'databases.json'), 'utf8'));

export function serverUrl(env = process.env) {
  return env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

/** The database URL of each service: its override variable, else its database on POSTGRES_URL's server. */
export function databaseUrls(env = process.env) {
  return Object.fromEntries(
    Object.entries(services).map(([service, { database, urlVariable }]) => {
      if (env[urlVariable]) return [service, env[urlVariable]];
      const url = new URL(serverUrl(env));
      url.pathname = `/${database}`;
      return [service, url.toString()];
    }),
  );
}

export async function ensureDatabases(env = process.env) {
  const { Client } = require('pg');
  for (const [service, url] of Object.entries(databaseUrls(env))) {
    const target = new URL(url);
    const name = decodeURIComponent(target.pathname.slice(1));
    const admin = new URL(url);
    admin.pathname = '/postgres';
    const client = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
    } catch (err) {
      throw new Error(
        `cannot reach PostgreSQL at ${admin.host} for ${service} (${err.message}). ` +
          'Start it (Debian: pg_ctlcluster 15 main start) or point POSTGRES_URL / the service URL at a running server.',
      );
    }
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (rowCount === 0) {
        await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
        console.log(`[postgres] created database ${name} for ${service}`);
      }
    } finally {
      await client.end();
    }
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  ensureDatabases().then(
    () =>
      console.log(
        `[postgres] databases ready: ${Object.values(services)
          .map((s) => s.database)
          .join(', ')}`,
      ),
    (err) => {
      console.error(`[postgres] ${err.message}`);
      process.exit(1);
    },
  );
}
