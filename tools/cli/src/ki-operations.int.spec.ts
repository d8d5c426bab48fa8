import { envelopeToHeaders, EventTypes, topicName, Topics } from '@ki/contracts';
import { coesfeldOpened, eventually, startTestService, testInfrastructure, testKafka, TestService, uniqueTopicPrefix } from '@ki/testing';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
// The CLI test runs the real services in the test process; the CLI itself only talks to them over HTTP.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { consoleService } from '../../../apps/console/src/service';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { fundingLedgerService } from '../../../apps/funding-ledger/src/service';

const ADMIN = 'console-admin-0123456789';
const KI = path.join(__dirname, '..', 'ki.js');

describe('ki groups, ki cluster and ki dlq replay --filter against the console', () => {
  const topicPrefix = uniqueTopicPrefix('cli-ops');
  const kafka = testKafka();
  const foreignTopic = `${topicPrefix}foreign.exports`;
  const foreignGroup = `${topicPrefix}foreign-exporter`;
  let ledger: TestService;
  let consoleApp: TestService;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    ledger = await startTestService(fundingLedgerService, { topicPrefix });
    consoleApp = await startTestService(consoleService, {
      topicPrefix,
      env: {
        CONSOLE_API_KEYS: `admin:${ADMIN}:console:read+console:replay+console:admin`,
        CONSOLE_REGISTRY_DATABASE_URL: ledger.database.url,
        CONSOLE_LEDGER_DATABASE_URL: ledger.database.url,
        CONSOLE_NOTIFICATIONS_DATABASE_URL: ledger.database.url,
      },
    });
    env = {
      ...process.env,
      KI_CONSOLE_URL: consoleApp.url,
      KI_CONSOLE_KEY: ADMIN,
      KAFKA_BROKERS: testInfrastructure().kafkaBrokers.join(','),
    };
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: foreignTopic, numPartitions: 1 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: foreignTopic, messages: [1, 2, 3, 4].map((n) => ({ value: `row ${n}` })) });
    // A dead letter of the ledger for an opening it never saw (the CLI's tests import no messaging code).
    const opening = coesfeldOpened({ hostBodyKey: '05554', territoryKey: '05554' });
    await producer.send({
      topic: topicName(Topics.deadLetters, topicPrefix),
      messages: [
        {
          key: '05554',
          value: JSON.stringify(opening),
          headers: {
            ...envelopeToHeaders({
              id: randomUUID(),
              type: EventTypes.CentreOpenedV1.type,
              source: '/ki/registry',
              time: new Date().toISOString(),
              subject: '05554',
              correlationId: randomUUID(),
            }),
            dlq_original_topic: topicName(Topics.centres, topicPrefix),
            dlq_original_partition: '0',
            dlq_original_offset: '7',
            dlq_error_code: 'HANDLER.TIMEOUT',
            dlq_error: 'the budget service did not answer in time',
            dlq_attempts: '5',
            dlq_consumer_group: 'funding-ledger',
            dlq_failed_at: new Date().toISOString(),
          },
        },
      ],
    });
    await producer.disconnect();
    await admin.setOffsets({ groupId: foreignGroup, topic: foreignTopic, partitions: [{ partition: 0, offset: '3' }] });
    await admin.disconnect();
  });

  afterAll(async () => {
    await consoleApp?.close();
    await ledger?.close();
  });

  const ki = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [KI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  const committed = async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      return (await admin.fetchOffsets({ groupId: foreignGroup, topics: [foreignTopic] }))[0].partitions[0].offset;
    } finally {
      await admin.disconnect();
    }
  };

  it('lists the group of another tool with ki groups: other, Empty, lag 1', async () => {
    const res = await ki(['groups']);

    expect(res.code).toBe(0);
    const line = res.stdout.split('\n').find((l) => l.startsWith(foreignGroup));
    expect(line?.split(/\s{2,}/).slice(0, 5)).toEqual([foreignGroup, 'other', 'Empty', '-', '1']);
  });

  it('shows the moves of ki groups reset --dry-run and changes nothing, then resets to an offset', async () => {
    const dry = await ki(['groups', 'reset', foreignGroup, '--to', 'earliest', '--reason', 'export again', '--dry-run']);

    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`dry run, nothing changed: ${foreignGroup}, 1 partition(s) would move`);
    expect(dry.stdout).toMatch(new RegExp(`${foreignTopic.replace(/\./g, '\\.')}\\s+0\\s+3\\s+0`));
    expect(await committed()).toBe('3');

    const done = await ki(['groups', 'reset', foreignGroup, '--to', '1', '--reason', 'export from row 2', '--json']);

    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ dryRun: false, moves: [{ topic: foreignTopic, partition: 0, from: '3', to: '1' }] });
    expect(await committed()).toBe('1');
  });

  it('exits 1 when the console refuses a reset of a group with members, and 2 without a reason', async () => {
    const busy = await ki(['groups', 'reset', `${topicPrefix}funding-ledger`, '--to', 'latest', '--reason', 'skip everything']);
    const noReason = await ki(['groups', 'reset', foreignGroup, '--to', 'latest']);

    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain('409');
    expect(noReason).toMatchObject({ code: 2, stderr: expect.stringContaining('--reason is required') });
  });

  it('prints the cluster with ki cluster: our centres topic with three partitions kept forever', async () => {
    const res = await ki(['cluster']);

    expect(res.code).toBe(0);
    const line = res.stdout.split('\n').find((l) => l.startsWith(topicName(Topics.centres, topicPrefix)));
    expect(line?.split(/\s{2,}/)).toEqual([
      topicName(Topics.centres, topicPrefix),
      '3',
      '1',
      '1',
      '0',
      'forever',
      expect.stringMatching(/^\d+$/),
    ]);
    expect(res.stdout).toContain('DescribeLogDirs');
  });

  it('counts with ki dlq replay --filter --dry-run what a batch would send, then sends it', async () => {
    const dry = await eventually(
      async () => {
        const res = await ki(['dlq', 'replay', '--filter', 'reason=HANDLER.TIMEOUT', '--filter', 'group=funding-ledger', '--dry-run']);
        expect(res.stdout).toContain('dry run, nothing sent: 1 dead letter(s) match; would send 1, 0 already handled');
        return res;
      },
      { name: 'the dead letter in the console', timeout: 30_000 },
    );
    expect(dry.code).toBe(0);

    const sent = await ki(['dlq', 'replay', '--filter', 'reason=HANDLER.TIMEOUT', '--reason', 'the budget service is back', '--json']);

    expect(sent.code).toBe(0);
    expect(JSON.parse(sent.stdout)).toMatchObject({ dryRun: false, send: 1, batchId: expect.any(String) });
  });

  it('exits 2 for a filter it does not know and for a batch without a reason', async () => {
    expect(await ki(['dlq', 'replay', '--filter', 'colour=red', '--dry-run'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('KEY one of'),
    });
    expect(await ki(['dlq', 'replay', '--filter', 'reason=X'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--reason is required unless --dry-run'),
    });
  });
});
