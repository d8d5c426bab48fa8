import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from './local';

/** One service of docker-compose.yml, with YAML anchors and merge keys resolved. */
export interface ComposeService {
  image?: string;
  command?: string[];
  entrypoint?: string[];
  ports?: string[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
  build?: { context: string; dockerfile: string };
  healthcheck?: { test: string[] };
  volumes?: string[];
}

/** The services of the repository's docker-compose.yml. */
export function composeServices(): Record<string, ComposeService> {
  const compose = parse(fs.readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, ComposeService>;
  };
  return compose.services;
}

/** Reads a service of the repository's docker-compose.yml; throws if it is missing. */
export function composeService(name: string): ComposeService {
  const service = composeServices()[name];
  if (!service) throw new Error(`docker-compose.yml has no service "${name}"`);
  return service;
}

/** The variables compose substitutes (`${VAR}`, `${VAR:-default}`, `${VAR:?message}`) in a value. */
export const COMPOSE_VARIABLE = /\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g;

/** Substitutes compose's variables the way `docker compose` does with the values of .env; a missing required one throws. */
export function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(COMPOSE_VARIABLE, (_, name: string, op?: string, arg?: string) => {
    const set = vars[name];
    if (set !== undefined && set !== '') return set;
    if (op === '?') throw new Error(`${name}: ${arg}`);
    return op === '-' ? (arg ?? '') : '';
  });
}

/** The environment of a compose service as strings, the way its process sees it with `vars` in .env. */
export function composeEnvironment(service: ComposeService, vars: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), vars)]));
}

/** The variables .env.example documents, with their (empty) values. */
export function envExample(): Record<string, string> {
  return Object.fromEntries(
    repoFile('.env.example')
      .split('\n')
      .filter((line) => /^[A-Z0-9_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/** An operator's .env: every variable of .env.example filled in with a sample value of the right form. */
export function sampleEnvFile(): Record<string, string> {
  return Object.fromEntries(
    Object.keys(envExample()).map((name) => {
      if (name.endsWith('_API_KEYS')) return [name, `operators:sample-${name.toLowerCase()}-0123456789:sample:role`];
      if (name.endsWith('_SECRET_KEYS')) return [name, `sample:${Buffer.alloc(32, name).toString('base64')}`];
      if (name === 'KAFKA_TLS' || name === 'KAFKA_TLS_CA_FILE') return [name, ''];
      return [name, `sample${name.replace(/_/g, '').toLowerCase()}`];
    }),
  );
}

/** Reads a file of the repository, for tests that compare deployment files with the code. */
export function repoFile(relative: string): string {
  return fs.readFileSync(path.join(repoRoot, relative), 'utf8');
}
