import { EventTypes } from '@ki/contracts';
import { eventually, startTestService, testInfrastructure, testKafka, TestService, uniqueTopicPrefix } from '@ki/testing';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
// The CLI test runs the real services in the test process; the CLI itself only talks to them over HTTP and Kafka.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { consoleService } from '../../../apps/console/src/service';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { publishPoisonOpening } from '../../../apps/console/src/test-support/poison-opening';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { fundingLedgerService } from '../../../apps/funding-ledger/src/service';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { notificationsService } from '../../../apps/notifications/src/service';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { registryService } from '../../../apps/registry/src/service';

const REGISTRY_WRITER = 'registry-writer-0123456789';
const OPERATOR = 'console-operator-0123456789';
const KI = path.join(__dirname, '..', 'ki.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('the ki command line against the running services', () => {
  const topicPrefix = uniqueTopicPrefix('cli');
  const services: TestService[] = [];
  const files = mkdtempSync(path.join(tmpdir(), 'ki-cli-'));
  let registry: TestService;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    registry = await startTestService(registryService, {
      topicPrefix,
      env: { REGISTRY_API_KEYS: `ops:${REGISTRY_WRITER}:registry:write` },
    });
    services.push(registry);
    const ledger = await startTestService(fundingLedgerService, { topicPrefix });
    services.push(ledger);
    const notifications = await startTestService(notificationsService, {
      topicPrefix,
      env: { NOTIFICATIONS_FUNDING_WAIT_MS: '600000', NOTIFICATIONS_POLL_INTERVAL_MS: '100' },
    });
    services.push(notifications);
    const consoleApp = await startTestService(consoleService, {
      topicPrefix,
      env: {
        CONSOLE_API_KEYS: `operator:${OPERATOR}:console:read+console:replay+console:reveal`,
        CONSOLE_REGISTRY_DATABASE_URL: registry.database.url,
        CONSOLE_LEDGER_DATABASE_URL: ledger.database.url,
        CONSOLE_NOTIFICATIONS_DATABASE_URL: notifications.database.url,
      },
    });
    services.push(consoleApp);
    env = {
      ...process.env,
      KI_CONSOLE_URL: consoleApp.url,
      KI_CONSOLE_KEY: OPERATOR,
      KI_REGISTRY_URL: registry.url,
      KI_REGISTRY_KEY: REGISTRY_WRITER,
      KAFKA_BROKERS: testInfrastructure().kafkaBrokers.join(','),
      KAFKA_TOPIC_PREFIX: topicPrefix,
    };
  });

  afterAll(async () => {
    for (const service of services.reverse()) await service.close();
  });

  /** Starts `ki` as its own process; `onStderr` sees what it reports while it runs. */
  const start = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) => {
    const child = spawn(process.execPath, [KI, ...args], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    const run: Run = { code: null, stdout: '', stderr: '' };
    child.stdout.on('data', (chunk: Buffer) => (run.stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
    const done = new Promise<Run>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve({ ...run, code }));
    });
    return { run, done, child };
  };
  const ki = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) => start(args, extraEnv).done;
  const kiJson = async <T>(args: string[]): Promise<T> => {
    const res = await ki([...args, '--json']);
    if (res.code !== 0) throw new Error(`ki ${args.join(' ')} exited ${res.code}: ${res.stderr}`);
    return JSON.parse(res.stdout) as T;
  };
  const file = (name: string, content: unknown) => {
    const at = path.join(files, name);
    writeFileSync(at, JSON.stringify(content));
    return at;
  };
  const register = (key: string, name: string, json = true) =>
    ki([
      'centre',
      'register',
      '--host-body-key',
      key,
      '--name',
      `Kommunales Integrationszentrum ${name}`,
      '--host-authority',
      `Kreisverwaltung ${name}`,
      '--address',
      `Kreishaus, Hauptstraße 1, 48000 ${name}`,
      '--contact-email',
      'ki@example.org',
      ...(json ? ['--json'] : []),
    ]);

  it('imports the history into the registry database with ki import-history and passes on its output and exit code', async () => {
    const res = await ki(['import-history'], { DATABASE_URL: registry.database.url });

    expect(res).toMatchObject({ code: 0, stdout: expect.stringContaining('49 centres opened, 0 already there') });
  });

  it('registers and opens Kreis Coesfeld with ki centre, the 50th centre', async () => {
    const registered = await register('05558', 'Coesfeld', false);
    const opened = await ki(['centre', 'open', '05558', '--opened-on', '2016-02-12', '--place', 'Lüdinghausen', '--json']);

    expect(registered).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^registered centre [0-9a-f-]{36} of host body 05558: registered/),
    });
    expect(opened.code).toBe(0);
    expect(JSON.parse(opened.stdout)).toMatchObject({ hostBodyKey: '05558', status: 'open', ordinal: 50, openedOn: '2016-02-12' });
  });

  it('shows the journey of 05558: opened, 155.833,33 € allocated, announcement published; --json gives the API document', async () => {
    const human = await eventually(
      async () => {
        const res = await ki(['journey', '05558']);
        expect(res.stdout).toContain('announced');
        return res;
      },
      { name: 'Coesfeld announced', timeout: 90_000, interval: 500 },
    );
    const json = await kiJson<{ entries: { step: string; payload: Record<string, unknown> }[] }>(['journey', '05558']);

    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/opened/);
    expect(human.stdout).toContain('155.833,33 €');
    expect(json.entries.find((e) => e.step === 'funding')?.payload).toMatchObject({ grantCents: '15583333', hostBodyKey: '05558' });
  });

  it('finds the opening of 05558 with ki search, pages with --cursor, shows it whole with ki search show, and exits 2 on a bad filter', async () => {
    const filter = ['--host-body-key', '05558', '--type', EventTypes.CentreOpenedV1.type];
    const human = await ki(['search', ...filter]);
    const page = await kiJson<{ messages: { topic: string; partition: number; offset: string; id: string }[]; nextCursor?: string }>([
      'search',
      '--host-body-key',
      '05558',
      '--limit',
      '1',
    ]);
    const next = await kiJson<{ messages: { id: string }[] }>([
      'search',
      '--host-body-key',
      '05558',
      '--limit',
      '1',
      '--cursor',
      String(page.nextCursor),
    ]);
    const [opening] = (
      await kiJson<{ messages: { topic: string; partition: number; offset: string; id: string }[] }>(['search', ...filter])
    ).messages;
    const shown = await ki(['search', 'show', opening.topic, String(opening.partition), opening.offset]);
    const badFilter = await ki(['search', '--from', 'yesterday']);

    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^time\s+topic\s+partition\s+offset\s+type\s+key\s+host body\s+correlation id\s+bytes/);
    expect(human.stdout).toMatch(
      new RegExp(
        `ki\\.registry\\.centres\\.v1\\s+\\d+\\s+\\d+\\s+${EventTypes.CentreOpenedV1.type.replace(/\./g, '\\.')}\\s+05558\\s+05558`,
      ),
    );
    expect(page.messages).toHaveLength(1);
    expect(next.messages).toHaveLength(1);
    expect(next.messages[0].id).not.toBe(page.messages[0].id);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`event id        ${opening.id}`);
    expect(shown.stdout).toMatch(/payload:\n\{\n {2}"centreId"/);
    expect(badFilter).toMatchObject({ code: 2, stderr: expect.stringContaining('from: from must be a valid ISO 8601 date string') });
    expect(badFilter.stderr).toContain('usage: ki search');
  });

  it('lists the consumer groups with their lag in a table and as JSON', async () => {
    const human = await ki(['lag']);
    const { partitions } = await kiJson<{ partitions: { group: string; lag: number }[] }>(['lag']);

    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^group\s+topic\s+partition\s+committed\s+end\s+lag/);
    expect(new Set(partitions.map((p) => p.group))).toEqual(new Set(['funding-ledger', 'notifications', 'registry']));
  });

  it('refuses to emit a payload that breaks its contract (exit 2 naming the field) or an unknown type (exit 2 listing the types)', async () => {
    const payload = file('bad.json', {
      hostBodyKey: '05754',
      name: 'KI Gütersloh',
      hostAuthority: 'Kreis Gütersloh',
      address: 'Gütersloh',
    });

    const invalid = await ki(['emit', EventTypes.RegisterCentreV1.type, '--file', payload]);
    const unknown = await ki(['emit', 'ki.registry.centre-moved.v1', '--file', payload]);

    expect(invalid).toMatchObject({ code: 2, stdout: '', stderr: expect.stringContaining('contactEmail: ') });
    expect(invalid.stderr).toContain('nothing sent');
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining(EventTypes.CentreOpenedV1.type) });
  });

  it('emits a valid command that then appears in ki tail --json', async () => {
    const command = {
      hostBodyKey: '05754',
      name: 'Kommunales Integrationszentrum Kreis Gütersloh',
      hostAuthority: 'Kreisverwaltung Gütersloh',
      address: 'Herzebrocker Straße 140, 33334 Gütersloh',
      contactEmail: 'ki-guetersloh@example.org',
    };

    const sent = await kiJson<{ id: string; type: string }>([
      'emit',
      EventTypes.RegisterCentreV1.type,
      '--file',
      file('good.json', command),
    ]);

    expect(sent.type).toBe(EventTypes.RegisterCentreV1.type);
    const rows = await eventually(
      async () => {
        const res = await ki(['tail', '--type', EventTypes.RegisterCentreV1.type, '--key', '05754', '--no-follow', '--json']);
        const parsed = res.stdout
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as { id: string; payload: Record<string, unknown> });
        expect(parsed.map((r) => r.id)).toContain(sent.id);
        return parsed;
      },
      { name: 'emitted command in the flow', timeout: 30_000, interval: 500 },
    );
    expect(rows.find((r) => r.id === sent.id)?.payload).toMatchObject({ contactEmail: 'ki-guetersloh@example.org' });
  });

  it('follows the stream with ki tail --count and prints the new message as it arrives', async () => {
    const tail = start(['tail', '--type', EventTypes.CentreRegisteredV1.type, '--key', '05154', '--count', '1', '--json']);
    await eventually(() => expect(tail.run.stderr).toContain('following'), { name: 'tail following the stream', timeout: 15_000 });

    await register('05154', 'Kleve');

    const res = await tail.done;
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout.trim())).toMatchObject({ type: EventTypes.CentreRegisteredV1.type, key: '05154', source: '/ki/registry' });
  });

  it('finds a poison opening with ki dlq list and show, and ki dlq replay --reason with a repaired payload completes its journey', async () => {
    const centreId = (JSON.parse((await register('05554', 'Borken')).stdout) as { id: string }).id;
    const eventId = randomUUID();
    const correlationId = randomUUID();
    const opening = {
      centreId,
      hostBodyKey: '05554',
      territoryKey: '05554',
      hostBodyName: 'Kreis Borken',
      ordinal: 52,
      openedOn: 'soon',
      place: 'Borken',
    };
    await publishPoisonOpening(testKafka(), topicPrefix, { eventId, correlationId, payload: opening });

    const filter = ['--type', EventTypes.CentreOpenedV1.type, '--reason', 'CONTRACT.INVALID_PAYLOAD', '--group', 'funding-ledger'];
    const [letter] = await eventually(
      async () => {
        const letters = (await kiJson<{ id: string; partition: number; offset: string }[]>(['dlq', 'list', ...filter])).filter(
          (l) => l.id === eventId,
        );
        expect(letters).toHaveLength(1);
        return letters;
      },
      { name: 'poison dead-lettered by the ledger', timeout: 30_000, interval: 500 },
    );
    const at = [String(letter.partition), letter.offset];
    const list = await ki(['dlq', 'list', ...filter]);
    const show = await ki(['dlq', 'show', ...at]);
    const detail = await kiJson<{ replay: { noop: boolean }; payload: unknown }>(['dlq', 'show', ...at]);
    const withoutReason = await ki(['dlq', 'replay', ...at]);
    const stillBroken = await ki([
      'dlq',
      'replay',
      ...at,
      '--reason',
      'no repair',
      '--payload-file',
      file('later.json', { ...opening, openedOn: 'later' }),
    ]);
    const replayed = await kiJson<{ eventId: string; noop: boolean }>([
      'dlq',
      'replay',
      ...at,
      '--reason',
      'openedOn repaired after asking the Kreis: 1 March 2016',
      '--payload-file',
      file('repaired.json', { ...opening, openedOn: '2016-03-01' }),
    ]);

    expect(list.stdout).toMatch(
      new RegExp(`^partition\\s+offset.*\\n${letter.partition}\\s+${letter.offset}\\s+.*funding-ledger\\s+CONTRACT.INVALID_PAYLOAD`),
    );
    expect(show).toMatchObject({ code: 0, stdout: expect.stringContaining('openedOn') });
    expect(show.stdout).toContain('replay: funding-ledger would handle it');
    expect(detail).toMatchObject({ replay: { noop: false }, payload: { openedOn: 'soon' } });
    expect(withoutReason).toMatchObject({ code: 2, stderr: expect.stringContaining('--reason is required') });
    expect(stillBroken).toMatchObject({ code: 1, stderr: expect.stringMatching(/answered 400: .*payload\.openedOn/) });
    expect(replayed).toMatchObject({ eventId, noop: false });
    const journey = await eventually(
      async () => {
        const res = await ki(['journey', correlationId]);
        expect(res.stdout).toContain('announced');
        return res;
      },
      { name: 'Borken announced after the replay', timeout: 60_000, interval: 500 },
    );
    expect(journey.stdout).toMatch(/funding\s+allocated/);
  });

  it('prints the flow for people with ki tail: time, type, key and what each consumer group did', async () => {
    const res = await eventually(
      async () => {
        const run = await ki(['tail', '--type', EventTypes.CentreOpenedV1.type, '--key', '05558', '--no-follow']);
        expect(run.stdout).toContain('notifications:handled');
        return run;
      },
      { name: 'opening of Coesfeld handled by every group', timeout: 30_000, interval: 500 },
    );

    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(
      /^\d{4}-\d{2}-\d{2}T\S+\s+ki\.registry\.centre-opened\.v1\s+key=05558\s+corr=\S+\s+\/ki\/registry\s+funding-ledger:handled notifications:handled$/m,
    );
  });

  it('closes Kreis Coesfeld with ki centre close', async () => {
    const res = await ki(['centre', 'close', '05558', '--closed-on', '2016-12-31', '--reason', 'Kreistag decision']);

    expect(res).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^closed centre \S+ of host body 05558 as centre no\. 50: closed/),
    });
  });

  it('exits 1 with the URL, the status and the variable to set when the console refuses the key', async () => {
    const res = await ki(['lag'], { KI_CONSOLE_KEY: 'not-a-known-key-0123456789' });
    const tail = await ki(['tail', '--count', '1'], { KI_CONSOLE_KEY: 'not-a-known-key-0123456789' });

    expect(res).toMatchObject({ code: 1, stdout: '' });
    expect(res.stderr).toContain(`console at ${env.KI_CONSOLE_URL} answered 401: the API key is not known to this service`);
    expect(res.stderr).toContain('set KI_CONSOLE_KEY');
    expect(tail).toMatchObject({ code: 1, stdout: '', stderr: expect.stringContaining('answered 401') });
  });

  it('exits 1 naming the URL and the variable to set when the console cannot be reached', async () => {
    const res = await ki(['journey', '05558'], { KI_CONSOLE_URL: 'http://127.0.0.1:2' });

    expect(res).toMatchObject({ code: 1, stdout: '' });
    expect(res.stderr).toContain('console at http://127.0.0.1:2 is unreachable (ECONNREFUSED)');
    expect(res.stderr).toContain('KI_CONSOLE_URL');
  });

  it('exits 2 with the usage of the command when its arguments are wrong', async () => {
    const res = await ki(['dlq', 'show', 'first', 'one']);

    expect(res).toMatchObject({ code: 2, stderr: expect.stringContaining('usage: ki dlq show <partition> <offset>') });
  });
});
