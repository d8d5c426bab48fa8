import { EventTypes, topicName, Topics } from '@ki/contracts';
import { DeadLetterHeaders, encodeEvent } from '@ki/messaging';
import {
  coesfeldOpened,
  collectMessages,
  eventually,
  startTestService,
  testKafka,
  TestService,
  uniqueTopicPrefix,
  waitForGroupMembers,
} from '@ki/testing';
import type { Message } from 'kafkajs';
import { Client } from 'pg';
// The API test runs the funding ledger next to the console in one process; console code never imports it.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { fundingLedgerService } from '../../funding-ledger/src/service';
import type { ClusterView } from './cluster/cluster';
import type { BulkReplayResult } from './dead-letters/bulk-replay';
import type { ClusterGroup, ResetResult } from './groups/cluster-groups';
import { consoleService } from './service';
import type { TopologyEdge, TopologyNode } from './topology/topology';

const READER = 'console-reader-0123456789';
const OPERATOR = 'console-operator-0123456789';
const ADMIN = 'console-admin-0123456789';

describe('operating the cluster from the console', () => {
  const topicPrefix = uniqueTopicPrefix('console-ops');
  const kafka = testKafka();
  const foreignTopic = `${topicPrefix}foreign.exports`;
  const foreignGroup = `${topicPrefix}foreign-exporter`;
  let ledger: TestService;
  let consoleApp: TestService;

  beforeAll(async () => {
    ledger = await startTestService(fundingLedgerService, { topicPrefix });
    consoleApp = await startTestService(consoleService, {
      topicPrefix,
      env: {
        CONSOLE_API_KEYS: [
          `reader:${READER}:console:read`,
          `operator:${OPERATOR}:console:read+console:replay`,
          `admin:${ADMIN}:console:read+console:admin`,
        ].join(','),
        CONSOLE_REGISTRY_DATABASE_URL: ledger.database.url,
        CONSOLE_LEDGER_DATABASE_URL: ledger.database.url,
        CONSOLE_NOTIFICATIONS_DATABASE_URL: ledger.database.url,
        CONSOLE_SAMPLE_INTERVAL_MS: '1000',
      },
    });
    // A tool of another team: a topic of its own, and a group that read part of it and stopped.
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: foreignTopic, numPartitions: 2 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: foreignTopic, messages: [0, 0, 0, 0, 1, 1, 1].map((partition, i) => ({ partition, value: `row ${i}` })) });
    await producer.disconnect();
    await admin.setOffsets({
      groupId: foreignGroup,
      topic: foreignTopic,
      partitions: [
        { partition: 0, offset: '3' },
        { partition: 1, offset: '1' },
      ],
    });
    await admin.disconnect();
    await waitForGroupMembers(kafka, ledger.groupId('funding-ledger'), topicName(Topics.centres, topicPrefix), 1);
  });

  afterAll(async () => {
    await consoleApp?.close();
    await ledger?.close();
  });

  const call = async <T>(method: string, path: string, key: string | null, body?: unknown) => {
    const res = await fetch(`${consoleApp.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as T };
  };
  const groups = async () => (await call<{ groups: ClusterGroup[] }>('GET', '/api/groups', READER)).body.groups;
  const foreignCommitted = async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [{ partitions }] = await admin.fetchOffsets({ groupId: foreignGroup, topics: [foreignTopic] });
      return partitions.sort((a, b) => a.partition - b.partition).map((p) => p.offset);
    } finally {
      await admin.disconnect();
    }
  };

  /** Publishes a valid opening to the centres topic and returns its event id. */
  const publishOpening = async (hostBodyKey: string) => {
    const { envelope, message } = encodeEvent(
      EventTypes.CentreOpenedV1,
      coesfeldOpened({ hostBodyKey, territoryKey: hostBodyKey }),
      '/ki/registry',
    );
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: topicName(Topics.centres, topicPrefix), messages: [message] });
    await producer.disconnect();
    return { id: envelope.id, message };
  };
  /** Writes a dead letter of the funding ledger for `message`, as its consumer does when it gives up (each at its own original offset). */
  let originalOffset = 1000;
  const deadLetter = async (message: Pick<Message, 'key' | 'value'> & { headers: Record<string, string> }, errorCode: string) => {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: topicName(Topics.deadLetters, topicPrefix),
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: {
            ...message.headers,
            [DeadLetterHeaders.originalTopic]: topicName(Topics.centres, topicPrefix),
            [DeadLetterHeaders.originalPartition]: '0',
            [DeadLetterHeaders.originalOffset]: String(originalOffset++),
            [DeadLetterHeaders.errorCode]: errorCode,
            [DeadLetterHeaders.error]: 'the budget service did not answer in time',
            [DeadLetterHeaders.attempts]: '5',
            [DeadLetterHeaders.consumerGroup]: 'funding-ledger',
            [DeadLetterHeaders.failedAt]: new Date().toISOString(),
          },
        },
      ],
    });
    await producer.disconnect();
  };
  const ledgerHandled = async (eventId: string) => {
    const db = new Client({ connectionString: ledger.database.url });
    await db.connect();
    try {
      const { rows } = await db.query('SELECT 1 FROM messaging_inbox WHERE consumer_group = $1 AND event_id = $2', [
        'funding-ledger',
        eventId,
      ]);
      return rows.length > 0;
    } finally {
      await db.end();
    }
  };

  it('lists our consumer group with its member and a group of another tool, Empty, with its lag per partition', async () => {
    const all = await eventually(
      async () => {
        const found = await groups();
        expect(found.find((g) => g.groupId === ledger.groupId('funding-ledger'))?.state).toBe('Stable');
        return found;
      },
      { name: 'funding-ledger group stable', timeout: 30_000 },
    );

    const ours = all.find((g) => g.groupId === ledger.groupId('funding-ledger')) as ClusterGroup;
    expect(ours.ours).toBe(true);
    expect(ours.members).toHaveLength(1);
    expect(Object.keys(ours.members[0].assignment)).toContain(topicName(Topics.centres, topicPrefix));
    const foreign = all.find((g) => g.groupId === foreignGroup) as ClusterGroup;
    expect(foreign).toMatchObject({ ours: false, state: 'Empty', members: [], totalLag: 3 });
    expect(foreign.partitions).toEqual([
      { topic: foreignTopic, partition: 0, committed: '3', high: '4', lag: 1 },
      { topic: foreignTopic, partition: 1, committed: '1', high: '3', lag: 2 },
    ]);
  });

  it('refuses a reset without console:admin (403), without a reason (400) and for a group with members (409)', async () => {
    const body = { to: 'earliest', reason: 'read everything again' };

    expect((await call('POST', `/api/groups/${foreignGroup}/reset`, OPERATOR, body)).status).toBe(403);
    expect((await call('POST', `/api/groups/${foreignGroup}/reset`, ADMIN, { to: 'earliest' })).status).toBe(400);
    const busy = await call<{ code: string }>('POST', `/api/groups/${ledger.groupId('funding-ledger')}/reset`, ADMIN, body);
    expect(busy).toMatchObject({ status: 409, body: { code: 'CONSOLE.GROUP_NOT_EMPTY' } });
  });

  it('previews a reset to earliest as current → new per partition and changes nothing', async () => {
    const res = await call<ResetResult>('POST', `/api/groups/${foreignGroup}/reset`, ADMIN, {
      to: 'earliest',
      reason: 'export everything again',
      dryRun: true,
    });

    expect(res).toMatchObject({
      status: 201,
      body: {
        dryRun: true,
        moves: [
          { topic: foreignTopic, partition: 0, from: '3', to: '0' },
          { topic: foreignTopic, partition: 1, from: '1', to: '0' },
        ],
      },
    });
    expect(await foreignCommitted()).toEqual(['3', '1']);
  });

  it('refuses an offset outside a partition, naming it, and sets one inside both, recorded on the operations topic', async () => {
    const operations = await collectMessages(kafka, topicName(Topics.operations, topicPrefix));
    try {
      const outside = await call<{ problems: unknown[] }>('POST', `/api/groups/${foreignGroup}/reset`, ADMIN, {
        to: 'offset',
        offset: '4',
        reason: 'skip the broken rows',
      });
      expect(outside).toMatchObject({
        status: 400,
        body: { problems: [{ topic: foreignTopic, partition: 1, problem: 'offset 4 is outside 0..3' }] },
      });

      const res = await call<ResetResult>('POST', `/api/groups/${foreignGroup}/reset`, ADMIN, {
        to: 'offset',
        offset: '2',
        reason: 'skip the broken rows',
      });

      expect(res.status).toBe(201);
      expect(await foreignCommitted()).toEqual(['2', '2']);
      const audit = await eventually(
        () => {
          const found = operations.messages.find((m) => m.headers.ce_type === EventTypes.ConsumerGroupOffsetsResetV1.type);
          if (!found) throw new Error('no reset recorded yet');
          return JSON.parse(found.value ?? '{}');
        },
        { name: 'reset on the operations topic', timeout: 30_000 },
      );
      expect(audit).toMatchObject({
        groupId: foreignGroup,
        to: 'offset',
        value: '2',
        resetBy: 'admin',
        reason: 'skip the broken rows',
        partitions: [
          { partition: 0, from: '3', to: '2' },
          { partition: 1, from: '1', to: '2' },
        ],
      });
    } finally {
      await operations.stop();
    }
  });

  it('describes the cluster: a broker and the controller, our topics with three partitions, in-sync replicas and retention', async () => {
    const { status, body } = await call<ClusterView>('GET', '/api/cluster', READER);

    expect(status).toBe(200);
    expect(body.brokers.length).toBeGreaterThan(0);
    expect(body.brokers.map((b) => b.nodeId)).toContain(body.controller);
    const centres = body.topics.find((t) => t.name === topicName(Topics.centres, topicPrefix));
    expect(centres).toMatchObject({ retentionMs: '-1', underReplicatedPartitions: 0 });
    expect(centres?.partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
    expect(centres?.partitions.every((p) => p.inSync.length === p.replicas.length && p.replicas.includes(p.leader))).toBe(true);
    expect(body.topics.find((t) => t.name === foreignTopic)).toMatchObject({ messages: 7 });
    expect(body.topics.every((t) => t.name.startsWith(topicPrefix))).toBe(true);
  });

  it('counts in a dry run what a bulk replay would send and what the ledger already handled, then sends the rest at the rate asked, as one audited batch', async () => {
    // One opening the ledger handled; its dead letter (written before the ledger succeeded) needs no replay.
    const handled = await publishOpening('05558');
    await eventually(async () => expect(await ledgerHandled(handled.id)).toBe(true), {
      name: 'ledger handled the opening',
      timeout: 30_000,
    });
    await deadLetter(handled.message, 'HANDLER.TIMEOUT');
    // Four openings the ledger never saw, dead-lettered: they need to go back.
    const lost = await Promise.all(
      ['05554', '05566', '05570', '05962'].map(async (key) => {
        const { envelope, message } = encodeEvent(
          EventTypes.CentreOpenedV1,
          coesfeldOpened({ hostBodyKey: key, territoryKey: key }),
          '/ki/registry',
        );
        await deadLetter(message, 'HANDLER.TIMEOUT');
        return envelope.id;
      }),
    );
    await deadLetter((await publishOpening('05770')).message, 'OTHER.REASON');
    const filter = { reason: 'HANDLER.TIMEOUT', consumerGroup: 'funding-ledger' };

    const dry = await eventually(
      async () => {
        const res = await call<BulkReplayResult>('POST', '/api/dead-letters/replay', OPERATOR, { filter, dryRun: true });
        expect(res.body.matched).toBe(5);
        return res;
      },
      { name: 'five dead letters in the index', timeout: 30_000 },
    );
    expect(dry).toMatchObject({
      status: 200,
      body: { dryRun: true, send: 4, alreadyHandled: 1, remaining: 0, byGroup: { 'funding-ledger': { send: 4, alreadyHandled: 1 } } },
    });
    expect(dry.body.batchId).toBeUndefined();
    expect(await ledgerHandled(lost[0])).toBe(false);

    const operations = await collectMessages(kafka, topicName(Topics.operations, topicPrefix));
    try {
      const started = performance.now();
      const res = await call<BulkReplayResult>('POST', '/api/dead-letters/replay', OPERATOR, {
        filter,
        reason: 'the budget service is back',
        ratePerSecond: 4,
      });
      const elapsed = performance.now() - started;

      expect(res).toMatchObject({ status: 200, body: { dryRun: false, send: 4, alreadyHandled: 1, refused: [] } });
      // Four messages at four per second: the last one leaves three quarters of a second after the first.
      expect(elapsed).toBeGreaterThanOrEqual(750);
      for (const id of lost)
        await eventually(async () => expect(await ledgerHandled(id)).toBe(true), { name: `ledger handled ${id}`, timeout: 30_000 });
      const batches = await eventually(
        () => {
          const found = operations.messages.filter((m) => m.headers.ce_type === EventTypes.DeadLettersReplayedV1.type);
          expect(found).toHaveLength(1);
          return found.map((m) => JSON.parse(m.value ?? '{}'));
        },
        { name: 'one batch on the operations topic', timeout: 30_000 },
      );
      expect(batches[0]).toMatchObject({
        batchId: res.body.batchId,
        reason: 'HANDLER.TIMEOUT',
        consumerGroup: 'funding-ledger',
        replayed: 4,
        alreadyHandled: 1,
        replayedBy: 'operator',
        replayReason: 'the budget service is back',
      });
      expect([...batches[0].eventIds].sort()).toEqual([...lost].sort());
      expect(operations.messages.filter((m) => m.headers.ce_type === EventTypes.DeadLetterReplayedV1.type)).toHaveLength(0);
    } finally {
      await operations.stop();
    }

    const after = await call<BulkReplayResult>('POST', '/api/dead-letters/replay', OPERATOR, { filter, dryRun: true });
    expect(after.body).toMatchObject({ send: 0, alreadyHandled: 5 });
  });

  it('refuses a bulk replay without a filter or, unless dry, without a reason (400), and with a read-only key (403)', async () => {
    expect((await call('POST', '/api/dead-letters/replay', OPERATOR, { filter: {}, dryRun: true })).status).toBe(400);
    expect((await call('POST', '/api/dead-letters/replay', OPERATOR, { filter: { reason: 'HANDLER.TIMEOUT' } })).status).toBe(400);
    expect((await call('POST', '/api/dead-letters/replay', READER, { filter: { reason: 'X' }, dryRun: true })).status).toBe(403);
  });

  it('draws the topology: the registry writing centres at its rate, the ledger reading them red while it dead-letters, with rates sampled over time', async () => {
    const { status, body } = await eventually(
      async () => {
        const res = await call<{ nodes: TopologyNode[]; edges: TopologyEdge[]; history: { at: string }[] }>('GET', '/api/topology', READER);
        expect(res.body.history.length).toBeGreaterThanOrEqual(2);
        return res;
      },
      { name: 'two samples', timeout: 30_000 },
    );

    expect(status).toBe(200);
    expect(body.nodes).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'producer:registry', kind: 'producer' })]));
    const ledgerReadsCentres = body.edges.find((e) => e.from === `topic:${Topics.centres}` && e.to === 'consumer:funding-ledger');
    expect(ledgerReadsCentres).toMatchObject({ kind: 'consumes', lag: expect.any(Number), state: 'failing' });
    const registryWritesCentres = body.edges.find((e) => e.from === 'producer:registry' && e.to === `topic:${Topics.centres}`);
    expect(registryWritesCentres?.ratePerMinute).toBeGreaterThan(0);
  });
});
