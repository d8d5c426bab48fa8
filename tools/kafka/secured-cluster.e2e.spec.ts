import { ConsumerGroups, EventTypes, Principals, Topics } from '@ki/contracts';
import { encodeEvent, MessageReadFailed, readDeadLetter } from '@ki/messaging';
import {
  collectMessages,
  createTestDatabase,
  DisposableCluster,
  eventually,
  processExited,
  repoRoot,
  ServiceProcess,
  startDisposableCluster,
  startServiceProcess,
  TestDatabase,
  waitForGroupToCatchUp,
  waitUntilHealthy,
} from '@ki/testing';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ConfigResourceTypes,
  Kafka,
  logLevel,
  ResourcePatternTypes,
} from 'kafkajs';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

const REGISTRY_KEY = 'ki-dev-registry-write-key';

/** Host bodies of the territory list that the stream of openings uses (Kreis Coesfeld is opened by `ki emit`). */
function hostBodies(count: number): string[] {
  const csv = fs.readFileSync(path.join(repoRoot, 'apps/registry/src/territories/data/territories-nrw.csv'), 'utf8');
  return csv
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',')[0])
    .filter((key) => key !== '05558')
    .slice(0, count);
}

async function query<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Runs the `ki` CLI as an internal service would, with the given Kafka client variables. */
function ki(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['tools/cli/ki.js', ...args], { cwd: repoRoot, env: { ...process.env, ...env } });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return processExited(child).then((code) => ({ code, output }));
}

/** The ACL that lets `principal` read `topic`: the tests withdraw it and give it back. */
function readAcl(topic: string, principal: string) {
  return {
    resourceType: AclResourceTypes.TOPIC,
    resourceName: topic,
    resourcePatternType: ResourcePatternTypes.LITERAL,
    principal: `User:${principal}`,
    host: '*',
    operation: AclOperationTypes.READ,
    permissionType: AclPermissionTypes.ALLOW,
  };
}

describe('the system on a three-node Kafka cluster with SASL/SCRAM and ACLs', () => {
  let cluster: DisposableCluster;
  let admin: Kafka;
  const databases: Record<string, TestDatabase> = {};
  const services: ServiceProcess[] = [];
  const service = (name: string) => services.find((s) => s.name === name) as ServiceProcess;

  const serviceEnv = (name: 'registry' | 'ledger' | 'notifications'): Record<string, string> => {
    const principal = { registry: Principals.registry, ledger: Principals.fundingLedger, notifications: Principals.notifications }[name];
    return { ...cluster.clientEnv(principal), DATABASE_URL: databases[name].url, NODE_ENV: 'test' };
  };
  const call = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(`${service('registry').url}${route}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-api-key': REGISTRY_KEY },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  /** Registers and opens a centre through the registry's API; returns its id. */
  const openCentre = async (hostBodyKey: string, openedOn: string): Promise<string> => {
    const registered = await call('POST', '/centres', {
      hostBodyKey,
      name: `Kommunales Integrationszentrum ${hostBodyKey}`,
      hostAuthority: `Verwaltung ${hostBodyKey}`,
      address: 'Rathausplatz 1, 40000 Stadt',
      contactEmail: 'ki@example.org',
    });
    expect(registered.status).toBe(201);
    expect((await call('POST', `/centres/${registered.body.id}/open`, { openedOn, place: 'Rathaus' })).status).toBe(200);
    return String(registered.body.id);
  };
  const decisionsByCentre = async () =>
    new Map(
      (
        await query<{ centre_id: string; n: number }>(
          databases.ledger.url,
          `SELECT centre_id, count(*)::int AS n FROM funding_decisions GROUP BY 1`,
        )
      ).map((r) => [r.centre_id, r.n]),
    );
  const openingAnnouncementsByCentre = async () =>
    new Map(
      (
        await query<{ centre_id: string; n: number }>(
          databases.notifications.url,
          `SELECT centre_id, count(*)::int AS n FROM announcements WHERE kind = 'opening' GROUP BY 1`,
        )
      ).map((r) => [r.centre_id, r.n]),
    );

  beforeAll(async () => {
    cluster = await startDisposableCluster({ nodes: 3, security: 'sasl' });
    admin = cluster.kafka();
    for (const name of ['registry', 'ledger', 'notifications']) databases[name] = await createTestDatabase(`secured_${name}`);
    services.push(
      await startServiceProcess('registry', 'apps/registry/src/main.ts', serviceEnv('registry')),
      await startServiceProcess('funding-ledger', 'apps/funding-ledger/src/main.ts', serviceEnv('ledger')),
      await startServiceProcess('notifications', 'apps/notifications/src/main.ts', {
        ...serviceEnv('notifications'),
        NOTIFICATIONS_FUNDING_WAIT_MS: '120000',
        NOTIFICATIONS_POLL_INTERVAL_MS: '100',
      }),
    );
    await waitUntilHealthy(services);
  });

  afterAll(async () => {
    for (const running of services) if (running.child.exitCode === null) running.child.kill('SIGKILL');
    await Promise.all(services.map((s) => processExited(s.child)));
    await cluster?.destroy();
    for (const db of Object.values(databases)) await db.drop();
  });

  it('creates every topic with replication factor 3, min.insync.replicas 2 and the declared retention', async () => {
    const client = admin.admin();
    await client.connect();
    try {
      const metadata = await client.fetchTopicMetadata({ topics: Object.values(Topics) });
      for (const topic of metadata.topics)
        for (const p of topic.partitions)
          expect({ topic: topic.name, replicas: p.replicas.length }).toEqual({ topic: topic.name, replicas: 3 });
      const { resources } = await client.describeConfigs({
        includeSynonyms: false,
        resources: [Topics.deadLetters, Topics.operations, Topics.centres, Topics.registryCommands].map((name) => ({
          type: ConfigResourceTypes.TOPIC,
          name,
          configNames: ['retention.ms', 'min.insync.replicas'],
        })),
      });
      const settings = Object.fromEntries(
        resources.map((r) => [r.resourceName, Object.fromEntries(r.configEntries.map((e) => [e.configName, e.configValue]))]),
      );
      expect(settings).toEqual({
        [Topics.deadLetters]: { 'retention.ms': '-1', 'min.insync.replicas': '2' },
        [Topics.operations]: { 'retention.ms': '-1', 'min.insync.replicas': '2' },
        [Topics.centres]: { 'retention.ms': '-1', 'min.insync.replicas': '2' },
        [Topics.registryCommands]: { 'retention.ms': String(30 * 24 * 60 * 60 * 1000), 'min.insync.replicas': '2' },
      });
    } finally {
      await client.disconnect();
    }
  });

  it('refuses centre events from the emitter and from a client without credentials, and carries out the emitter’s commands', async () => {
    const forged = encodeEvent(
      EventTypes.CentreOpenedV1,
      {
        centreId: '3f1f8c3e-0000-4000-8000-000000000001',
        ordinal: 60,
        hostBodyKey: '05554',
        territoryKey: '05554',
        hostBodyName: 'Kreis Borken',
        openedOn: '2016-06-28',
        place: 'Borken',
      },
      '/ki/forger',
    ).message;
    const emitterProducer = cluster.kafka(Principals.emitter).producer();
    await emitterProducer.connect();
    await expect(emitterProducer.send({ topic: Topics.centres, messages: [forged] })).rejects.toThrow(/authoriz/i);
    await emitterProducer.disconnect();
    // Another service's credentials do not help: the ledger may not write centre events either.
    const ledgerProducer = cluster.kafka(Principals.fundingLedger).producer();
    await ledgerProducer.connect();
    await expect(ledgerProducer.send({ topic: Topics.centres, messages: [forged] })).rejects.toThrow(/authoriz/i);
    await ledgerProducer.disconnect();
    const anonymous = new Kafka({
      clientId: 'anonymous',
      brokers: cluster.bootstrap.split(','),
      logLevel: logLevel.NOTHING,
      connectionTimeout: 2000,
      retry: { retries: 1 },
    }).producer();
    await expect(anonymous.connect().then(() => anonymous.send({ topic: Topics.centres, messages: [forged] }))).rejects.toThrow();
    await anonymous.disconnect().catch(() => undefined);

    // An internal service registers and opens Kreis Coesfeld through commands, as the emitter.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ki-emit-'));
    const registerFile = path.join(dir, 'register.json');
    fs.writeFileSync(
      registerFile,
      JSON.stringify({
        hostBodyKey: '05558',
        name: 'Kommunales Integrationszentrum Kreis Coesfeld',
        hostAuthority: 'Kreisverwaltung Coesfeld',
        address: 'Kreishaus, Friedrich-Ebert-Straße 7, 48653 Coesfeld',
        contactEmail: 'ki@example.org',
      }),
    );
    const emitterEnv = cluster.clientEnv(Principals.emitter);
    expect(await ki(['emit', 'ki.registry.register-centre.v1', '--file', registerFile], emitterEnv)).toMatchObject({ code: 0 });
    const [{ id: centreId }] = await eventually(
      async () => {
        const rows = await query<{ id: string }>(databases.registry.url, `SELECT id FROM centres WHERE host_body_key = '05558'`);
        if (rows.length === 0) throw new Error('Kreis Coesfeld not registered yet');
        return rows;
      },
      { name: 'Kreis Coesfeld registered by command', timeout: 30_000 },
    );
    const openFile = path.join(dir, 'open.json');
    fs.writeFileSync(openFile, JSON.stringify({ centreId, openedOn: '2016-02-12', place: 'Lüdinghausen' }));
    expect(await ki(['emit', 'ki.registry.open-centre.v1', '--file', openFile], emitterEnv)).toMatchObject({ code: 0 });
    fs.rmSync(dir, { recursive: true, force: true });

    await eventually(
      async () => {
        if ((await openingAnnouncementsByCentre()).get(centreId) !== 1) throw new Error('Kreis Coesfeld not announced yet');
      },
      { name: 'Kreis Coesfeld announced', timeout: 60_000 },
    );
    for (const group of [ConsumerGroups.fundingLedger, ConsumerGroups.notifications])
      await waitForGroupToCatchUp(admin, group, Topics.centres);
    await waitForGroupToCatchUp(admin, ConsumerGroups.notifications, Topics.funding);
    // Only the opening the registry published was booked and announced; the forged one reached no one.
    expect([...(await decisionsByCentre()).entries()]).toEqual([[centreId, 1]]);
    expect([...(await openingAnnouncementsByCentre()).entries()]).toEqual([[centreId, 1]]);
  });

  it('loses no acknowledged opening and doubles none when the leader of the centre events is killed mid-stream', async () => {
    const client = admin.admin();
    await client.connect();
    const [{ partitions }] = (await client.fetchTopicMetadata({ topics: [Topics.centres] })).topics;
    const leaders = partitions.map((p) => p.leader);
    const leader = leaders.sort((a, b) => leaders.filter((l) => l === b).length - leaders.filter((l) => l === a).length)[0];

    const keys = hostBodies(24);
    const opened: string[] = [];
    for (const [i, hostBodyKey] of keys.entries()) {
      if (i === 8) await cluster.killNode(leader);
      if (i === 16) await cluster.startNode(leader);
      opened.push(await openCentre(hostBodyKey, '2017-03-01'));
    }

    await eventually(
      async () => {
        const announced = await openingAnnouncementsByCentre();
        const missing = opened.filter((id) => !announced.has(id));
        if (missing.length > 0) throw new Error(`${missing.length} openings not announced yet`);
      },
      { name: 'every opening announced', timeout: 150_000, interval: 500 },
    );
    await waitForGroupToCatchUp(admin, ConsumerGroups.fundingLedger, Topics.centres, 120_000);
    await waitForGroupToCatchUp(admin, ConsumerGroups.notifications, Topics.centres, 120_000);
    await waitForGroupToCatchUp(admin, ConsumerGroups.notifications, Topics.funding, 120_000);

    // Counted after every group caught up: exactly one decision and one announcement per opening.
    const decisions = await decisionsByCentre();
    const announcements = await openingAnnouncementsByCentre();
    expect(opened.filter((id) => decisions.get(id) !== 1)).toEqual([]);
    expect(opened.filter((id) => announcements.get(id) !== 1)).toEqual([]);
    // Every acknowledged opening reached the topic once (the relay's retries are idempotent).
    const unsent = await query<{ n: number }>(
      databases.registry.url,
      `SELECT count(*)::int AS n FROM messaging_outbox WHERE sent_at IS NULL`,
    );
    expect(unsent[0].n).toBe(0);
    // Read back to the end of every partition, so a copy written late is counted too.
    const inTopic = (await client.fetchTopicOffsets(Topics.centres)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
    const collected = await collectMessages(admin, Topics.centres);
    await eventually(
      () => {
        if (collected.messages.length < inTopic) throw new Error(`${collected.messages.length} of ${inTopic} messages read so far`);
      },
      { name: 'the centre events read back', timeout: 60_000 },
    );
    const openingsInTopic = collected.messages
      .filter((m) => m.headers.ce_type === EventTypes.CentreOpenedV1.type)
      .map((m) => (JSON.parse(m.value ?? '{}') as { centreId: string }).centreId);
    await collected.stop();
    expect(opened.filter((id) => openingsInTopic.filter((c) => c === id).length !== 1)).toEqual([]);

    // The restarted node catches up: every partition of the system's topics is fully in sync again.
    await eventually(
      async () => {
        const metadata = await client.fetchTopicMetadata({ topics: Object.values(Topics) });
        const lagging = metadata.topics.flatMap((t) =>
          t.partitions.filter((p) => p.isr.length < p.replicas.length).map((p) => `${t.name}[${p.partitionId}]`),
        );
        if (lagging.length > 0) throw new Error(`under-replicated: ${lagging.join(', ')}`);
      },
      { name: 'cluster back in sync', timeout: 120_000, interval: 1000 },
    );
    await client.disconnect();
  });

  it('replaces a consumer that crashed for good when the broker stopped authorising its reads, once they are allowed again', async () => {
    // kafkajs does not restart a consumer after a non-retriable error such as TOPIC_AUTHORIZATION_FAILED.
    const read = readAcl(Topics.centres, Principals.notifications);
    const notifications = service('notifications');
    const client = admin.admin();
    await client.connect();
    try {
      const logged = notifications.output.length;
      await client.deleteAcls({ filters: [read] });
      await eventually(
        async () => {
          const res = await fetch(`${notifications.url}/health`);
          if (res.status !== 503) throw new Error(`/health still ${res.status}`);
        },
        { name: 'notifications unhealthy without read access', timeout: 60_000, interval: 500 },
      );
      expect(notifications.output.slice(logged).join('')).toMatch(/crashed: .*(authori[sz]|Not authorized)/i);

      await client.createAcls({ acl: [read] });
      const hostBodyKey = hostBodies(25)[24]; // one the openings above left alone
      const centreId = await openCentre(hostBodyKey, '2017-03-02');
      await eventually(
        async () => {
          if (!(await openingAnnouncementsByCentre()).has(centreId)) throw new Error('not announced yet');
        },
        { name: 'the opening announced by the new consumer', timeout: 120_000, interval: 500 },
      );
      await waitUntilHealthy([notifications], 60_000);
      expect(notifications.output.slice(logged).join('')).toContain('starting a new consumer');
    } finally {
      await client.createAcls({ acl: [read] });
      await client.disconnect();
    }
  });

  it('fails a read of one dead letter with the broker’s reason when its reads are not authorised, instead of answering “not found” later', async () => {
    // The console reads a dead letter this way. Its principal may still see the topic's offsets
    // (DESCRIBE), so the refusal comes from the reader's fetch.
    const read = readAcl(Topics.deadLetters, Principals.console);
    const producer = admin.producer();
    await producer.connect();
    const [written] = await producer.send({ topic: Topics.deadLetters, acks: -1, messages: [{ value: '{"probe":true}' }] });
    await producer.disconnect();
    const at = { partition: written.partition, offset: written.baseOffset as string };
    const readLetter = () => readDeadLetter(cluster.kafka(Principals.console), at.partition, at.offset, '', 90_000);
    expect(await readLetter()).toMatchObject({ ...at, value: '{"probe":true}' });
    const client = admin.admin();
    await client.connect();
    try {
      await client.deleteAcls({ filters: [read] });
      // Each broker learns of the withdrawn ACL on its own: until the partition's leader has, the read succeeds.
      const error = await eventually(
        async () => {
          const refused = await readLetter().then(
            () => undefined,
            (e: unknown) => e,
          );
          if (refused === undefined) throw new Error('still read');
          return refused;
        },
        { name: 'the read refused', timeout: 60_000, interval: 500 },
      );
      expect(error).toBeInstanceOf(MessageReadFailed);
      expect((error as Error).message).toMatch(
        new RegExp(
          `reading ${Topics.deadLetters} partition ${at.partition} offset ${at.offset} failed: .*(authori[sz]|Not authorized)`,
          'i',
        ),
      );
    } finally {
      await client.createAcls({ acl: [read] });
      await client.disconnect();
    }
  });

  it('reports Kafka authentication on /health for a wrong password, names the principal once and prints no secret', async () => {
    const env = { ...serviceEnv('registry'), KAFKA_SASL_PASSWORD: 'not-the-password-4711' };
    const wrong = await startServiceProcess('registry (wrong password)', 'apps/registry/src/main.ts', env);
    try {
      const health = await eventually(
        async () => {
          if (wrong.child.exitCode !== null) throw new Error(`exited:\n${wrong.output.join('')}`);
          const res = await fetch(`${wrong.url}/health`);
          const body = await res.text();
          if (!body.includes('authentication')) throw new Error(`not yet: ${res.status} ${body}`);
          return { status: res.status, body };
        },
        { name: '/health names Kafka authentication', timeout: 60_000, interval: 500 },
      );
      expect(health.status).toBe(503);
      expect(health.body).toContain('Kafka authentication failed for principal ki-registry (SASL SCRAM-SHA-512)');
      // /health probes Kafka on its own and may tell before the start-up's first attempt has logged.
      const refusals = () =>
        wrong.output
          .join('')
          .split('\n')
          .filter((line) => line.includes('Kafka authentication failed'));
      await eventually(
        () => {
          if (refusals().length === 0) throw new Error('the refused login is not logged yet');
        },
        { name: 'the refused login logged', timeout: 60_000, interval: 500 },
      );
      // Several more attempts (backoff 1, 2, 4 s) go by without another line.
      await new Promise((resolve) => setTimeout(resolve, 8000));
      expect(refusals()).toHaveLength(1);
      const output = wrong.output.join('');
      expect(output).not.toContain('not-the-password-4711');
      expect(output).not.toContain(serviceEnv('registry').KAFKA_SASL_PASSWORD);
    } finally {
      wrong.child.kill('SIGKILL');
      await processExited(wrong.child);
    }
    const right = await startServiceProcess('registry (right password)', 'apps/registry/src/main.ts', serviceEnv('registry'));
    try {
      await waitUntilHealthy([right], 60_000);
    } finally {
      right.child.kill('SIGTERM');
      await processExited(right.child);
    }
  });
});

describe('a cluster with SASL over TLS', () => {
  let cluster: DisposableCluster;

  beforeAll(async () => {
    cluster = await startDisposableCluster({ nodes: 1, security: 'sasl', tls: true });
  });

  afterAll(async () => {
    await cluster?.destroy();
  });

  it('takes a command from the emitter that trusts the cluster’s CA, and no connection from a client that does not', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ki-emit-tls-'));
    const file = path.join(dir, 'register.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        hostBodyKey: '05554',
        name: 'Kommunales Integrationszentrum Kreis Borken',
        hostAuthority: 'Kreisverwaltung Borken',
        address: 'Burloer Straße 93, 46325 Borken',
        contactEmail: 'ki@example.org',
      }),
    );
    const emitterEnv = cluster.clientEnv(Principals.emitter);
    expect(emitterEnv).toMatchObject({ KAFKA_TLS: '1' });
    expect(await ki(['emit', 'ki.registry.register-centre.v1', '--file', file], emitterEnv)).toMatchObject({ code: 0 });
    const untrusting = await ki(['emit', 'ki.registry.register-centre.v1', '--file', file], { ...emitterEnv, KAFKA_TLS_CA_FILE: '' });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(untrusting.code).toBe(1);
    expect(untrusting.output).toMatch(/certificate/i);
    expect(untrusting.output).not.toContain(emitterEnv.KAFKA_SASL_PASSWORD);
  });
});
