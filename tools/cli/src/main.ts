// `ki`: the operators' command line (see the README, section "CLI `ki`").
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ApiClient } from './api-client';
import { Command } from './command';
import { centreClose, centreOpen, centreRegister } from './commands/centres';
import { cluster } from './commands/cluster';
import { dlqList, dlqReplay, dlqShow } from './commands/dead-letters';
import { emit } from './commands/emit';
import { journey, lag, tail } from './commands/flow';
import { groupReset, groups } from './commands/groups';
import { importHistory } from './commands/import-history';
import { search, searchShow } from './commands/search';
import { CliEnv, globalOptions, loadCliConfig } from './config';
import { CliError, usageError } from './errors';

const commands: Command[] = [
  tail,
  journey,
  search,
  searchShow,
  lag,
  dlqList,
  dlqShow,
  dlqReplay,
  emit,
  centreRegister,
  centreOpen,
  centreClose,
  importHistory,
  groups,
  groupReset,
  cluster,
];

function usageOf(command: Command): string {
  return [`usage: ki ${command.words.join(' ')} ${command.synopsis}`.trimEnd(), ...(command.details ?? []).map((line) => `  ${line}`)].join(
    '\n',
  );
}

function help(): string {
  const width = Math.max(...commands.map((c) => c.words.join(' ').length));
  return [
    "ki — the operators' command line of ki-network",
    '',
    'usage: ki <command> [arguments] [--json]',
    '',
    ...commands.map((c) => `  ${c.words.join(' ').padEnd(width)}  ${c.summary}`),
    '',
    'flags of every command: --json (machine-readable output), --console-url, --console-key, --registry-url, --registry-key,',
    '  --brokers, --topic-prefix; ki <command> --help shows its usage',
    'environment (flags win): ' +
      Object.entries(CliEnv)
        .map(([name, value]) => `${name} (${value || 'empty'})`)
        .join(', '),
    'exit codes: 0 done, 1 a service refused or is unreachable, 2 wrong usage or invalid input',
  ].join('\n');
}

/** The command named by the first words of `argv`, and the rest of it. */
function findCommand(argv: string[]): { command: Command; rest: string[] } | undefined {
  const byLength = [...commands].sort((a, b) => b.words.length - a.words.length);
  const command = byLength.find((c) => c.words.every((word, i) => argv[i] === word));
  return command && { command, rest: argv.slice(command.words.length) };
}

async function run(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(`${help()}\n`);
    return argv.length === 0 ? 2 : 0;
  }
  const found = findCommand(argv);
  if (!found) {
    const group = commands.filter((c) => c.words[0] === argv[0] && c.words.length > 1);
    if (group.length)
      throw usageError(`ki ${argv[0]} needs one of: ${group.map((c) => c.words[1]).join(', ')}`, group.map(usageOf).join('\n'));
    throw usageError(`unknown command "${argv[0]}"`, help());
  }
  const { command, rest } = found;
  const usage = usageOf(command);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: rest, options: { ...globalOptions, ...command.options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw usageError((err as Error).message, usage);
  }
  if (parsed.values.help) {
    process.stdout.write(`${command.summary}\n${usage}\n`);
    return 0;
  }
  const { min, max } = command.positionals;
  if (parsed.positionals.length < min || parsed.positionals.length > max) {
    throw usageError(
      `ki ${command.words.join(' ')} takes ${min === max ? min : `${min} to ${max}`} argument(s), got ${parsed.positionals.length}`,
      usage,
    );
  }
  const config = loadCliConfig(env, parsed.values);
  const flagHint = (service: string) => ({ keyFlag: `--${service}-key`, urlVariable: `KI_${service.toUpperCase()}_URL` });
  return command.run({
    config,
    values: parsed.values as Record<string, string | boolean | undefined>,
    positionals: parsed.positionals,
    usage,
    env,
    console: new ApiClient({
      name: 'console',
      baseUrl: config.consoleUrl,
      key: config.consoleKey,
      keyVariable: 'KI_CONSOLE_KEY',
      ...flagHint('console'),
    }),
    registry: new ApiClient({
      name: 'registry',
      baseUrl: config.registryUrl,
      key: config.registryKey,
      keyVariable: 'KI_REGISTRY_KEY',
      ...flagHint('registry'),
    }),
  });
}

run(process.argv.slice(2), process.env).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof CliError) {
      process.stderr.write(`ki: ${err.message}\n${err.usage ? `\n${err.usage}\n` : ''}`);
      process.exitCode = err.exitCode;
    } else {
      process.stderr.write(`ki: unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
