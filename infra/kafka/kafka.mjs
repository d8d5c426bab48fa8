#!/usr/bin/env node
// The local Apache Kafka cluster: KAFKA_NODES nodes (default 1) on loopback, each broker and
// controller at once, forming one KRaft quorum.
//
//   node infra/kafka/kafka.mjs fetch|start|stop|status|logs [node id]
//   node infra/kafka/kafka.mjs start-node|stop-node|kill-node <node id>
//   node infra/kafka/kafka.mjs access        # topics and ACLs from libs/contracts (KAFKA_SECURITY=sasl)
//   node infra/kafka/kafka.mjs client-env <principal>   # KEY=value lines for a client of that principal
//
// The official broker jars (org.apache.kafka:kafka_2.13, pinned in pom.xml) come from Maven
// Central through Maven; jars go to .local/kafka-dist/<version>/.
//
// Settings: KAFKA_NODES (1), KAFKA_SECURITY (`none` or `sasl`), KAFKA_TLS (`1`: SASL_SSL with a
// CA made here), KAFKA_HOST (127.0.0.1), KAFKA_PORT (9092; node n listens on KAFKA_PORT + 2(n-1)
// for clients and the port after it for the quorum), KAFKA_CONTROLLER_PORT (KAFKA_PORT + 1, single
// node only), KAFKA_HEAP (1g for one node, 512m each for more), KI_LOCAL_DIR (.local).
//
// With KAFKA_SECURITY=sasl, clients authenticate with SASL/SCRAM-SHA-512: the administrator
// `ki-admin` and one principal per service, created (with random passwords, kept in
// credentials.json beside the data) when the cluster is formatted. The quorum listener uses
// SASL/PLAIN with the administrator only. The StandardAuthorizer denies what no ACL allows.
//
// Only Node built-ins are imported at the top so that `fetch` works before `npm install`;
// readiness checks load kafkajs lazily.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');

/** The SCRAM users of a secured cluster; the names match libs/contracts/src/kafka-access.ts (checked by a test). */
export const PRINCIPALS = ['ki-admin', 'ki-registry', 'ki-funding-ledger', 'ki-notifications', 'ki-console', 'ki-emitter'];
export const ADMIN = 'ki-admin';

export function kafkaSettings(env = process.env) {
  const nodeCount = Number(env.KAFKA_NODES ?? 1);
  if (!Number.isInteger(nodeCount) || nodeCount < 1 || nodeCount > 9)
    throw new Error(`KAFKA_NODES must be 1 to 9, got "${env.KAFKA_NODES}"`);
  const security = env.KAFKA_SECURITY ?? 'none';
  if (!['none', 'sasl'].includes(security)) throw new Error(`KAFKA_SECURITY must be none or sasl, got "${security}"`);
  const tls = env.KAFKA_TLS === '1' || env.KAFKA_TLS === 'true';
  if (tls && security !== 'sasl') throw new Error('KAFKA_TLS=1 needs KAFKA_SECURITY=sasl');
  const host = env.KAFKA_HOST ?? '127.0.0.1';
  const port = Number(env.KAFKA_PORT ?? 9092);
  const controllerPort = Number(env.KAFKA_CONTROLLER_PORT ?? port + 1);
  // Each profile keeps its own data, so switching between them never mixes two clusters.
  const profile = nodeCount === 1 && security === 'none' ? 'kafka' : `kafka-${nodeCount}-nodes-${security}${tls ? '-tls' : ''}`;
  const home = path.resolve(repoRoot, env.KI_LOCAL_DIR ?? '.local', profile);
  const version = pinnedVersion();
  const nodes = Array.from({ length: nodeCount }, (_, i) => {
    const id = i + 1;
    const dir = path.join(home, `node-${id}`);
    return {
      id,
      port: port + 2 * i,
      controllerPort: controllerPort + 2 * i,
      dir,
      data: path.join(dir, 'data'),
      logs: path.join(dir, 'logs'),
      config: path.join(dir, 'server.properties'),
      pidFile: path.join(dir, 'broker.pid'),
    };
  });
  return {
    host,
    nodes,
    security,
    tls,
    heap: env.KAFKA_HEAP ?? (nodeCount === 1 ? '1g' : '512m'),
    bootstrap: nodes.map((n) => `${host}:${n.port}`).join(','),
    version,
    home,
    // Jars are shared by every cluster of this checkout (test clusters have their own KI_LOCAL_DIR).
    libs: path.join(repoRoot, '.local', 'kafka-dist', version),
    credentialsFile: path.join(home, 'credentials.json'),
    caFile: path.join(home, 'tls', 'ca.pem'),
  };
}

function pinnedVersion() {
  const pom = fs.readFileSync(path.join(here, 'pom.xml'), 'utf8');
  const match = pom.match(/<kafka\.version>([^<]+)<\/kafka\.version>/);
  if (!match) throw new Error('infra/kafka/pom.xml does not declare <kafka.version>');
  return match[1];
}

const log = (msg) => console.log(`[kafka] ${msg}`);

function requireTool(cmd, args, what) {
  const res = spawnSync(cmd, args, { encoding: 'utf8' });
  if (res.error || res.status !== 0) {
    throw new Error(
      `${cmd} not found: the local Kafka broker needs ${what}. ` +
        `On Debian/Ubuntu: apt-get install ${cmd === 'java' ? 'openjdk-17-jre-headless' : cmd === 'mvn' ? 'maven' : cmd}.`,
    );
  }
  return `${res.stdout}${res.stderr}`;
}

function javaMajorVersion() {
  const out = requireTool('java', ['-version'], 'Java 17 or newer');
  const match = out.match(/version "(\d+)(?:\.(\d+))?/);
  const major = match ? Number(match[1] === '1' ? match[2] : match[1]) : 0;
  if (major < 17) throw new Error(`Kafka ${pinnedVersion()} needs Java 17 or newer; found: ${out.split('\n')[0]}`);
  return major;
}

/** Downloads the pinned broker jars with Maven unless they are already there. */
export function fetchKafka(s = kafkaSettings()) {
  // The stamp is the pom's hash: a changed dependency list fetches again.
  const stamp = path.join(s.libs, '.pom-sha256');
  const wanted = createHash('sha256')
    .update(fs.readFileSync(path.join(here, 'pom.xml')))
    .digest('hex');
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8').trim() === wanted) return;
  javaMajorVersion();
  requireTool('mvn', ['-v'], 'Apache Maven to download the broker from Maven Central');
  log(`fetching Apache Kafka ${s.version} (org.apache.kafka:kafka_2.13) from Maven Central`);
  fs.rmSync(s.libs, { recursive: true, force: true });
  fs.mkdirSync(s.libs, { recursive: true });
  const res = spawnSync(
    'mvn',
    [
      '-q',
      '-B',
      '-Dstyle.color=never',
      '-f',
      path.join(here, 'pom.xml'),
      'dependency:copy-dependencies',
      `-DoutputDirectory=${s.libs}`,
      '-DincludeScope=runtime',
    ],
    { stdio: 'inherit' },
  );
  if (res.status !== 0) throw new Error(`Maven could not resolve Kafka ${s.version} (exit ${res.status}); see the output above`);
  fs.writeFileSync(stamp, wanted);
}

/** The passwords of the cluster's SCRAM users, made once when the cluster is first set up. */
export function clusterCredentials(s = kafkaSettings()) {
  if (s.security !== 'sasl') return undefined;
  if (!fs.existsSync(s.credentialsFile)) {
    fs.mkdirSync(s.home, { recursive: true });
    const credentials = Object.fromEntries(PRINCIPALS.map((p) => [p, randomBytes(18).toString('base64url')]));
    fs.writeFileSync(s.credentialsFile, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  }
  return JSON.parse(fs.readFileSync(s.credentialsFile, 'utf8'));
}

/**
 * The environment variables a Kafka client of `principal` reads (services, CLI, bench, tests):
 * bootstrap servers and, on a secured cluster, its SASL and TLS settings.
 */
export function clientEnv(s, principal) {
  const env = { KAFKA_BROKERS: s.bootstrap };
  if (s.security !== 'sasl') return env;
  const credentials = clusterCredentials(s);
  if (!credentials[principal]) throw new Error(`unknown Kafka principal "${principal}"; known: ${PRINCIPALS.join(', ')}`);
  Object.assign(env, {
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: principal,
    KAFKA_SASL_PASSWORD: credentials[principal],
  });
  if (s.tls) Object.assign(env, { KAFKA_TLS: '1', KAFKA_TLS_CA_FILE: s.caFile });
  return env;
}

/** A CA and one certificate for 127.0.0.1/localhost (PEM, PKCS#8 key), made once per cluster. */
function ensureTlsFiles(s) {
  const dir = path.dirname(s.caFile);
  const files = { ca: s.caFile, caKey: path.join(dir, 'ca.key'), key: path.join(dir, 'broker.key'), cert: path.join(dir, 'broker.pem') };
  if (fs.existsSync(files.cert)) return files;
  requireTool('openssl', ['version'], 'OpenSSL to make the TLS certificates');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const openssl = (...args) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '3650',
    '-subj',
    '/CN=ki-network local CA',
    '-keyout',
    files.caKey,
    '-out',
    files.ca,
  );
  openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', files.key);
  const csr = path.join(dir, 'broker.csr');
  const ext = path.join(dir, 'broker.ext');
  openssl('req', '-new', '-key', files.key, '-subj', '/CN=localhost', '-out', csr);
  fs.writeFileSync(ext, `subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n`);
  openssl(
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    files.ca,
    '-CAkey',
    files.caKey,
    '-CAcreateserial',
    '-days',
    '3650',
    '-extfile',
    ext,
    '-out',
    files.cert,
  );
  // Kafka's PEM key store wants the key and its certificate in one file.
  fs.writeFileSync(path.join(dir, 'broker-keystore.pem'), fs.readFileSync(files.key, 'utf8') + fs.readFileSync(files.cert, 'utf8'), {
    mode: 0o600,
  });
  return files;
}

function jaasScram(user, password) {
  return `org.apache.kafka.common.security.scram.ScramLoginModule required username="${user}" password="${password}";`;
}

function serverProperties(s, node) {
  const voters = s.nodes.map((n) => `${n.id}@${s.host}:${n.controllerPort}`).join(',');
  const replicas = Math.min(3, s.nodes.length);
  const clientProtocol = s.security === 'none' ? 'PLAINTEXT' : s.tls ? 'SASL_SSL' : 'SASL_PLAINTEXT';
  const controllerProtocol = s.security === 'none' ? 'PLAINTEXT' : 'SASL_PLAINTEXT';
  const lines = [
    '# Generated by infra/kafka/kafka.mjs; edit the generator, not this file.',
    'process.roles=broker,controller',
    `node.id=${node.id}`,
    `controller.quorum.voters=${voters}`,
    `listeners=CLIENT://${s.host}:${node.port},CONTROLLER://${s.host}:${node.controllerPort}`,
    `advertised.listeners=CLIENT://${s.host}:${node.port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=CLIENT',
    `listener.security.protocol.map=CLIENT:${clientProtocol},CONTROLLER:${controllerProtocol}`,
    `log.dirs=${node.data}`,
    // Topics are created explicitly with their declared settings; a typo must not silently create one.
    'auto.create.topics.enable=false',
    'num.partitions=3',
    `default.replication.factor=${replicas}`,
    `min.insync.replicas=${replicas >= 3 ? 2 : 1}`,
    `offsets.topic.replication.factor=${replicas}`,
    'offsets.topic.num.partitions=10',
    `transaction.state.log.replication.factor=${replicas}`,
    `transaction.state.log.min.isr=${replicas >= 3 ? 2 : 1}`,
    'transaction.state.log.num.partitions=5',
    `share.coordinator.state.topic.replication.factor=${replicas}`,
    `share.coordinator.state.topic.min.isr=${replicas >= 3 ? 2 : 1}`,
    // Development and tests: consumers join at once instead of waiting 3 s for more members.
    'group.initial.rebalance.delay.ms=0',
    // Topics declare their own retention (libs/contracts); this default applies to nothing of ours.
    'log.retention.hours=168',
    // A node that comes back must not wait long to lead its partitions again.
    'leader.imbalance.check.interval.seconds=10',
  ];
  if (s.security === 'sasl') {
    const credentials = clusterCredentials(s);
    const admin = credentials[ADMIN];
    lines.push(
      'sasl.enabled.mechanisms=SCRAM-SHA-512',
      'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512',
      `listener.name.client.scram-sha-512.sasl.jaas.config=${jaasScram(ADMIN, admin)}`,
      // SCRAM users live in the metadata the quorum itself serves, so the quorum listener uses PLAIN
      // with the administrator only.
      'sasl.mechanism.controller.protocol=PLAIN',
      'listener.name.controller.sasl.enabled.mechanisms=PLAIN',
      `listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="${ADMIN}" password="${admin}" user_${ADMIN}="${admin}";`,
      'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'allow.everyone.if.no.acl.found=false',
      `super.users=User:${ADMIN}`,
    );
    if (s.tls) {
      const dir = path.dirname(s.caFile);
      lines.push(
        'listener.name.client.ssl.keystore.type=PEM',
        `listener.name.client.ssl.keystore.location=${path.join(dir, 'broker-keystore.pem')}`,
        'listener.name.client.ssl.truststore.type=PEM',
        `listener.name.client.ssl.truststore.location=${s.caFile}`,
        'ssl.truststore.type=PEM',
        `ssl.truststore.location=${s.caFile}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

function javaCommand(s, node, mainClass, args, heap = s.heap) {
  return [
    `-Xms128m`,
    `-Xmx${heap}`,
    '-XX:+UseG1GC',
    '-Djava.awt.headless=true',
    `-Dkafka.logs.dir=${node.logs}`,
    `-Dlog4j2.configurationFile=${path.join(here, 'log4j2.properties')}`,
    '-cp',
    path.join(s.libs, '*'),
    mainClass,
    ...args,
  ];
}

/** Formats the KRaft storage of every node once (one cluster id, the same users); kept across restarts. */
function formatStorage(s) {
  if (s.tls) ensureTlsFiles(s);
  for (const node of s.nodes) {
    fs.mkdirSync(node.logs, { recursive: true });
    fs.writeFileSync(node.config, serverProperties(s, node), { mode: 0o600 });
  }
  const clusterFile = path.join(s.home, 'cluster-id');
  const unformatted = s.nodes.filter((n) => !fs.existsSync(path.join(n.data, 'meta.properties')));
  if (unformatted.length === 0) return;
  if (unformatted.length !== s.nodes.length && !fs.existsSync(clusterFile)) {
    throw new Error(
      `some nodes of ${path.relative(repoRoot, s.home)} are formatted and the cluster id is lost; remove that folder to start afresh`,
    );
  }
  if (!fs.existsSync(clusterFile)) fs.writeFileSync(clusterFile, randomUUIDBase64());
  const clusterId = fs.readFileSync(clusterFile, 'utf8').trim();
  const scram =
    s.security === 'sasl'
      ? Object.entries(clusterCredentials(s)).flatMap(([name, password]) => [
          '--add-scram',
          `SCRAM-SHA-512=[name=${name},password=${password}]`,
        ])
      : [];
  for (const node of unformatted) {
    log(`formatting KRaft storage of node ${node.id} (cluster ${clusterId}) in ${path.relative(repoRoot, node.data)}`);
    execFileSync(
      'java',
      javaCommand(s, node, 'kafka.tools.StorageTool', ['format', '-t', clusterId, '-c', node.config, ...scram], '256m'),
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
  }
}

/**
 * A KRaft cluster id: 16 random bytes, URL-safe base64 without padding. Never one that starts
 * with "-" (one in 64 would): the storage tool would take it for an option, as Kafka's own
 * `random-uuid` avoids.
 */
export function randomUUIDBase64() {
  for (;;) {
    const id = Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function readPid(node) {
  try {
    return Number(fs.readFileSync(node.pidFile, 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

/** True when pid is alive and is this node (not a recycled pid of another program). */
function isOurNode(pid, node) {
  if (!pid) return false;
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('kafka.Kafka') && cmdline.includes(node.config);
  } catch {
    return false;
  }
}

function portOpen(host, port, timeoutMs = 500) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (open) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** kafkajs options of the administrator of cluster `s` (no SASL on an open cluster). */
export function adminClientOptions(s) {
  if (s.security !== 'sasl') return {};
  const options = { sasl: { mechanism: 'scram-sha-512', username: ADMIN, password: clusterCredentials(s)[ADMIN] } };
  if (s.tls) options.ssl = { ca: [fs.readFileSync(s.caFile, 'utf8')] };
  return options;
}

function loadKafkajs() {
  return createRequire(path.join(repoRoot, 'package.json'))('kafkajs');
}

/** Asks the cluster for its metadata through `bootstrap`; resolves to the brokers it names, or undefined. */
export async function describeClusterVia(bootstrap, clientOptions = {}, timeoutMs = 3000) {
  const { Kafka, logLevel } = loadKafkajs();
  const admin = new Kafka({
    clientId: 'ki-infra-probe',
    brokers: bootstrap.split(','),
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
    ...clientOptions,
  }).admin();
  try {
    await admin.connect();
    return await admin.describeCluster();
  } catch {
    return undefined;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** True when the broker at `bootstrap` answers a metadata request. */
export async function brokerAnswers(bootstrap, timeoutMs = 3000, clientOptions = {}) {
  return (await describeClusterVia(bootstrap, clientOptions, timeoutMs)) !== undefined;
}

/** Waits until `node` answers and sees `expectedBrokers` brokers (the quorum formed, the node registered). */
async function waitUntilNodeReady(s, node, pid, expectedBrokers, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  const out = path.join(node.logs, 'broker.out');
  while (Date.now() < deadline) {
    if (pid && !isOurNode(pid, node)) throw new Error(`node ${node.id} exited during start-up; see ${out}:\n${tail(out)}`);
    const cluster = await describeClusterVia(`${s.host}:${node.port}`, adminClientOptions(s), 2000);
    if (cluster && cluster.brokers.length >= expectedBrokers) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`node ${node.id} did not answer on ${s.host}:${node.port} within ${timeoutMs / 1000} s; see ${node.logs}`);
}

function tail(file, lines = 20) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

function nodeById(s, id) {
  const node = s.nodes.find((n) => n.id === Number(id));
  if (!node) throw new Error(`no node ${id}: this cluster has nodes ${s.nodes.map((n) => n.id).join(', ')}`);
  return node;
}

/** Starts one node's process unless it runs already; resolves to its pid and whether it was started here. */
async function spawnNode(s, node) {
  const pid = readPid(node);
  if (isOurNode(pid, node)) return { pid, started: false };
  if (pid) fs.rmSync(node.pidFile, { force: true });
  for (const port of [node.port, node.controllerPort]) {
    if (await portOpen(s.host, port)) {
      throw new Error(
        `port ${s.host}:${port} of Kafka node ${node.id} is in use by another program, not by this project's cluster. ` +
          `Stop it, or choose other ports with KAFKA_PORT / KAFKA_CONTROLLER_PORT. (See: ss -ltnp 'sport = :${port}')`,
      );
    }
  }
  const out = fs.openSync(path.join(node.logs, 'broker.out'), 'a');
  const child = spawn('java', javaCommand(s, node, 'kafka.Kafka', [node.config]), { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  fs.writeFileSync(node.pidFile, String(child.pid));
  return { pid: child.pid, started: true };
}

/**
 * Starts the cluster unless ours is already running (nodes that are down are started). Returns
 * { started, bootstrap, pid }: started is false when every node was already running.
 */
export async function startKafka(s = kafkaSettings()) {
  fetchKafka(s);
  formatStorage(s);
  const startedAt = Date.now();
  const spawned = [];
  for (const node of s.nodes) spawned.push({ node, ...(await spawnNode(s, node)) });
  const started = spawned.filter((n) => n.started);
  if (started.length > 0) {
    log(
      `starting Apache Kafka ${s.version}: ${started.map((n) => `node ${n.node.id} (pid ${n.pid}, ${s.host}:${n.node.port})`).join(', ')}` +
        (s.security === 'sasl' ? `, SASL/SCRAM${s.tls ? ' over TLS' : ''} with ACLs` : ''),
    );
  }
  await Promise.all(spawned.map((n) => waitUntilNodeReady(s, n.node, n.pid, s.nodes.length)));
  if (s.security === 'sasl') await setUpAccess(s);
  if (started.length > 0) log(`cluster ready on ${s.bootstrap} after ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  else log(`cluster already running on ${s.bootstrap}`);
  return { started: started.length > 0, bootstrap: s.bootstrap, pid: spawned[0].pid };
}

/**
 * Creates the system's topics with their declared settings and the ACLs of libs/contracts, as
 * the administrator (idempotent). `topicPrefix`/`groupPrefix` set up an environment that shares
 * the cluster (tests); KAFKA_TOPIC_PREFIX applies by default.
 */
export async function setUpAccess(s = kafkaSettings(), { topicPrefix = process.env.KAFKA_TOPIC_PREFIX ?? '', groupPrefix = '' } = {}) {
  const res = spawnSync(process.execPath, ['-r', '@swc-node/register', path.join(repoRoot, 'tools/kafka/set-up-access.ts')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      ...clientEnv(s, ADMIN),
      SWC_NODE_PROJECT: path.join(repoRoot, 'tsconfig.json'),
      KAFKA_TOPIC_PREFIX: topicPrefix,
      KAFKA_GROUP_PREFIX: groupPrefix,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (res.status !== 0) throw new Error(`setting up topics and ACLs failed (exit ${res.status}); see the output above`);
}

/** Starts one node (after stop-node or kill-node) and waits until it is back in the cluster. */
export async function startNode(s, id) {
  const node = nodeById(s, id);
  const { pid, started } = await spawnNode(s, node);
  await waitUntilNodeReady(s, node, pid, s.nodes.length);
  log(`node ${node.id} ${started ? 'started' : 'already running'} (pid ${pid})`);
  return pid;
}

async function waitForExit(pid, node, ms) {
  const deadline = Date.now() + ms;
  while (isOurNode(pid, node) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  return !isOurNode(pid, node);
}

/** Stops one node: SIGTERM for a controlled shutdown, SIGKILL after the grace period. */
export async function stopNode(s, id, graceMs = 30_000) {
  const node = nodeById(s, id);
  const pid = readPid(node);
  if (!isOurNode(pid, node)) {
    fs.rmSync(node.pidFile, { force: true });
    return false;
  }
  process.kill(pid, 'SIGTERM');
  if (!(await waitForExit(pid, node, graceMs))) {
    log(`node ${node.id} did not stop within ${graceMs / 1000} s; killing it`);
    process.kill(pid, 'SIGKILL');
    await waitForExit(pid, node, 10_000);
  }
  fs.rmSync(node.pidFile, { force: true });
  log(`node ${node.id} stopped (pid ${pid})`);
  return true;
}

/** SIGKILLs one node, as a crash would: no controlled shutdown, no flush. */
export async function killNode(s, id) {
  const node = nodeById(s, id);
  const pid = readPid(node);
  if (!isOurNode(pid, node)) return false;
  process.kill(pid, 'SIGKILL');
  await waitForExit(pid, node, 10_000);
  log(`node ${node.id} killed (pid ${pid})`);
  return true;
}

/** Stops every node of the cluster; resolves to whether any was running. */
export async function stopKafka(s = kafkaSettings(), graceMs = 30_000) {
  // The last nodes of a quorum cannot shut down cleanly without a controller majority: stop them together.
  const stopped = await Promise.all(s.nodes.map((n) => stopNode(s, n.id, graceMs)));
  const any = stopped.some(Boolean);
  log(any ? 'cluster stopped' : 'cluster not running');
  return any;
}

/** Which nodes run, with their pids and ports. */
export function kafkaStatus(s = kafkaSettings()) {
  const nodes = s.nodes.map((n) => {
    const pid = readPid(n);
    return { id: n.id, running: isOurNode(pid, n), pid, bootstrap: `${s.host}:${n.port}`, controller: `${s.host}:${n.controllerPort}` };
  });
  return { running: nodes.some((n) => n.running), nodes, bootstrap: s.bootstrap, version: s.version, home: s.home, security: s.security };
}

/** The quorum as the cluster sees it: leader, voters and their lag (Kafka's MetadataQuorumCommand). */
function quorumDescription(s) {
  const running = kafkaStatus(s).nodes.find((n) => n.running);
  if (!running) return 'no node running';
  const args = ['--bootstrap-server', running.bootstrap];
  if (s.security === 'sasl') {
    const props = path.join(s.home, 'admin-client.properties');
    const lines = [
      `security.protocol=${s.tls ? 'SASL_SSL' : 'SASL_PLAINTEXT'}`,
      'sasl.mechanism=SCRAM-SHA-512',
      `sasl.jaas.config=${jaasScram(ADMIN, clusterCredentials(s)[ADMIN])}`,
    ];
    if (s.tls) lines.push('ssl.truststore.type=PEM', `ssl.truststore.location=${s.caFile}`);
    fs.writeFileSync(props, `${lines.join('\n')}\n`, { mode: 0o600 });
    args.push('--command-config', props);
  }
  const res = spawnSync(
    'java',
    javaCommand(s, s.nodes[0], 'org.apache.kafka.tools.MetadataQuorumCommand', [...args, 'describe', '--replication'], '256m'),
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  return res.status === 0
    ? res.stdout.trimEnd()
    : `could not describe the quorum: ${(res.stderr || res.stdout || '').trim().split('\n').pop()}`;
}

async function main(command, arg) {
  const s = kafkaSettings();
  switch (command) {
    case 'fetch':
      fetchKafka(s);
      log(`Apache Kafka ${s.version} jars in ${path.relative(repoRoot, s.libs)}`);
      return;
    case 'start':
      await startKafka(s);
      return;
    case 'stop':
      await stopKafka(s);
      return;
    case 'start-node':
      await startNode(s, arg);
      return;
    case 'stop-node':
      await stopNode(s, arg);
      return;
    case 'kill-node':
      if (!(await killNode(s, arg))) log(`node ${arg} was not running`);
      return;
    case 'access':
      await setUpAccess(s);
      return;
    case 'client-env':
      for (const [key, value] of Object.entries(clientEnv(s, arg ?? ADMIN))) console.log(`${key}=${value}`);
      return;
    case 'status': {
      const st = kafkaStatus(s);
      log(
        `Apache Kafka ${st.version}, ${s.nodes.length} node(s), security ${s.security}${s.tls ? ' + TLS' : ''}, data in ${path.relative(repoRoot, s.home)}`,
      );
      for (const n of st.nodes)
        log(`  node ${n.id}: ${n.running ? `running (pid ${n.pid})` : 'not running'}, clients ${n.bootstrap}, quorum ${n.controller}`);
      if (st.running) {
        const cluster = await describeClusterVia(s.bootstrap, adminClientOptions(s));
        log(cluster ? `  brokers registered: ${cluster.brokers.map((b) => b.nodeId).join(', ')}` : '  the cluster does not answer');
        const quorum = quorumDescription(s);
        // In KRaft, the quorum's leader is the active controller (a broker's metadata names a random broker instead).
        const leader = quorum.match(/^(\d+)\s.*\bLeader\b/m);
        log(leader ? `  active controller (quorum leader): node ${leader[1]}; the quorum:` : '  the quorum:');
        console.log(quorum);
      }
      process.exitCode = st.running ? 0 : 3;
      return;
    }
    case 'logs': {
      const node = nodeById(s, arg ?? 1);
      console.log(tail(path.join(node.logs, 'server.log'), 100));
      return;
    }
    default:
      console.error(
        'usage: node infra/kafka/kafka.mjs fetch|start|stop|status|access|logs [node]|start-node <id>|stop-node <id>|kill-node <id>|client-env <principal>',
      );
      process.exitCode = 2;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv[2], process.argv[3]).catch((err) => {
    console.error(`[kafka] ${err.message}`);
    process.exit(1);
  });
}
