import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from './local';

/** One service of docker-compose.yml, with YAML anchors and merge keys resolved. */
export interface ComposeService {
  image?: string;
  command?: string[];
  ports?: string[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
  build?: { context: string; dockerfile: string };
}

/** Reads a service of the repository's docker-compose.yml; throws if it is missing. */
export function composeService(name: string): ComposeService {
  const compose = parse(fs.readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, ComposeService>;
  };
  const service = compose.services[name];
  if (!service) throw new Error(`docker-compose.yml has no service "${name}"`);
  return service;
}

/** The environment of a compose service as strings, the way a process sees it. */
export function composeEnvironment(service: ComposeService): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, String(v)]));
}

/** Reads a file of the repository, for tests that compare deployment files with the code. */
export function repoFile(relative: string): string {
  return fs.readFileSync(path.join(repoRoot, relative), 'utf8');
}
