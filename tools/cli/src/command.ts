import type { ParseArgsConfig } from 'node:util';
import { ApiClient } from './api-client';
import { CliConfig } from './config';

/** What a command gets: configuration, its flags and arguments, clients for the services. */
export interface CommandContext {
  config: CliConfig;
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  /** The command's usage, for messages about its arguments. */
  usage: string;
  console: ApiClient;
  registry: ApiClient;
  env: NodeJS.ProcessEnv;
}

/** One `ki` command: its words (`dlq list`), usage, flags and what it does; resolves to the exit code. */
export interface Command {
  words: string[];
  summary: string;
  /** Arguments and flags after the command words, e.g. `<partition> <offset> --reason TEXT`. */
  synopsis: string;
  /** Extra lines of help: what the flags mean, an example. */
  details?: string[];
  options: NonNullable<ParseArgsConfig['options']>;
  positionals: { min: number; max: number };
  run(context: CommandContext): Promise<number>;
}

/** A string flag's value, or undefined. */
export function flag(context: CommandContext, name: string): string | undefined {
  const value = context.values[name];
  return typeof value === 'string' ? value : undefined;
}
