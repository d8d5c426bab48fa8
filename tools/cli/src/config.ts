import { CliError } from './errors';

/** Where `ki` finds the services: environment variables, overridden by flags. */
export interface CliConfig {
  consoleUrl: string;
  consoleKey: string;
  registryUrl: string;
  registryKey: string;
  kafkaBrokers: string[];
  /** SASL and TLS towards the brokers: KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD, KAFKA_TLS, KAFKA_TLS_CA_FILE (read by `emit`). */
  kafkaSecurityEnv: Record<string, string | undefined>;
  topicPrefix: string;
  /** Machine-readable output: the API's JSON unchanged, nothing else on stdout. */
  json: boolean;
}

/** Variables `ki` reads, with their defaults (the development set-up of `npm start`). */
export const CliEnv = {
  KI_CONSOLE_URL: 'http://127.0.0.1:3000',
  KI_CONSOLE_KEY: 'ki-dev-console-key',
  KI_REGISTRY_URL: 'http://127.0.0.1:3001',
  KI_REGISTRY_KEY: 'ki-dev-registry-write-key',
  KAFKA_BROKERS: '127.0.0.1:9092',
  KAFKA_TOPIC_PREFIX: '',
} as const;

/** Flags every command accepts. */
export const globalOptions = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  'console-url': { type: 'string' },
  'console-key': { type: 'string' },
  'registry-url': { type: 'string' },
  'registry-key': { type: 'string' },
  brokers: { type: 'string' },
  'topic-prefix': { type: 'string' },
} as const;

export type GlobalFlags = { [K in keyof typeof globalOptions]?: (typeof globalOptions)[K]['type'] extends 'boolean' ? boolean : string };

function url(name: string, value: string): string {
  try {
    const parsed = new URL(value);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new CliError(`${name} must be an http(s) URL, got "${value}"`, 2);
  }
  return value.replace(/\/+$/, '');
}

/** Reads the environment once, then applies the flags; fails naming the variable or flag that is wrong. */
export function loadCliConfig(env: NodeJS.ProcessEnv, flags: GlobalFlags): CliConfig {
  const read = (name: keyof typeof CliEnv) => env[name] ?? CliEnv[name];
  const brokers = flags.brokers ?? read('KAFKA_BROKERS');
  if (!/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/.test(brokers))
    throw new CliError(`KAFKA_BROKERS (or --brokers) must be host:port[,host:port...], got "${brokers}"`, 2);
  return {
    consoleUrl: url(flags['console-url'] ? '--console-url' : 'KI_CONSOLE_URL', flags['console-url'] ?? read('KI_CONSOLE_URL')),
    consoleKey: flags['console-key'] ?? read('KI_CONSOLE_KEY'),
    registryUrl: url(flags['registry-url'] ? '--registry-url' : 'KI_REGISTRY_URL', flags['registry-url'] ?? read('KI_REGISTRY_URL')),
    registryKey: flags['registry-key'] ?? read('KI_REGISTRY_KEY'),
    kafkaBrokers: brokers.split(','),
    kafkaSecurityEnv: Object.fromEntries(KAFKA_SECURITY_VARIABLES.map((name) => [name, env[name]])),
    topicPrefix: flags['topic-prefix'] ?? read('KAFKA_TOPIC_PREFIX'),
    json: flags.json ?? false,
  };
}

const KAFKA_SECURITY_VARIABLES = ['KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'KAFKA_TLS', 'KAFKA_TLS_CA_FILE'];
