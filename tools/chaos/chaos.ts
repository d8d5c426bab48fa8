// `npm run chaos`: the whole system on a three-node secured cluster, driven by a workload while
// faults are injected, then judged from databases, topics and receivers. Prints one line per
// fault and per invariant and `chaos: <n> passed, <n> failed`; writes the same as JSON to
// .local/chaos/. Settings: CHAOS_DURATION (seconds of workload, default 600), CHAOS_OPENINGS
// (default 300; the workload goes on at the same pace until every fault had its turn),
// CHAOS_DB_CUT_SECONDS (30), CHAOS_POISON_ROUNDS (3).
import 'reflect-metadata';
import { repoRoot } from '@ki/testing';
import fs from 'node:fs';
import path from 'node:path';
import { faultStreams, injectFaults, Injection } from './faults';
import { checkInvariants, waitForCatchUp } from './invariants';
import { startSystem, waitHealthy } from './system';
import { addSyntheticHostBodies, NOTIFICATIONS_KEY, runWorkload } from './workload';

/** The synthetic host bodies the run may open: the planned openings, and more while faults still wait for their turn. */
const MAX_HOST_BODIES = 1000;

const settings = {
  durationS: Number(process.env.CHAOS_DURATION ?? 600),
  openings: Number(process.env.CHAOS_OPENINGS ?? 300),
  databaseCutSeconds: Number(process.env.CHAOS_DB_CUT_SECONDS ?? 30),
  poisonRounds: Number(process.env.CHAOS_POISON_ROUNDS ?? 3),
};

async function subscribe(url: string, body: object): Promise<void> {
  const res = await fetch(`${url}/subscriptions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': NOTIFICATIONS_KEY },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`subscribing answered ${res.status}: ${await res.text()}`);
}

async function main(): Promise<number> {
  const startedAt = new Date();
  console.log(`[chaos] ${settings.openings} openings over ${settings.durationS} s, faults on two streams at once`);
  const system = await startSystem();
  // Ctrl-C or a stop: take the cluster, the services and the databases down with the run.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`[chaos] ${signal}: stopping everything this run started`);
      void system.close().finally(() => process.exit(130));
    });
  }
  try {
    const hostBodies = await addSyntheticHostBodies(system.databases.registry.url, MAX_HOST_BODIES);
    const notifications = system.instance('notifications-1').url;
    await subscribe(notifications, { channel: 'webhook', url: system.webhook.url, eventKinds: ['opening', 'funding'] });
    await subscribe(notifications, { channel: 'email', email: 'presse@example.org', eventKinds: ['opening'] });

    let workloadDone = false;
    const streams = faultStreams(settings);
    const injections: Injection[] = [];
    // The first fifth of the run is calm: its openings give the latency outside faults.
    const calmMs = (settings.durationS * 1000) / 5;
    const faults = new Promise((r) => setTimeout(r, calmMs)).then(() =>
      injectFaults(system, streams, () => workloadDone, 3000, injections),
    );
    const everyFaultInjected = () => streams.flat().every((f) => injections.some((i) => i.fault === f.name));
    const workload = await runWorkload(system, hostBodies, {
      durationMs: settings.durationS * 1000,
      openings: settings.openings,
      poisonRounds: settings.poisonRounds,
      keepGoing: () => !everyFaultInjected(),
    }).finally(() => (workloadDone = true));
    await faults;
    console.log(
      `[chaos] workload done: ${workload.openings.length} openings, ${workload.closings} closings, ${workload.poison.length} poison messages; waiting for every group to catch up`,
    );
    await waitHealthy(system.services, 300_000);
    let caughtUp = true;
    await waitForCatchUp(system).catch((err: Error) => {
      caughtUp = false;
      console.log(`[chaos] ${err.message}`);
    });
    const result = await settleThenCheck(system, workload, injections);
    if (!caughtUp) {
      const stuck = result.verdicts.find((v) => v.name === 'no-partition-stuck');
      if (stuck) Object.assign(stuck, { pass: false, detail: 'a consumer group did not catch up within 300 s' });
    }
    for (const f of result.faults) {
      console.log(
        `chaos ${f.fault} injected=${f.injected} lost=${f.lost} doubled=${f.doubled} recovery_max_s=${f.recoveryMaxS.toFixed(1)} openings=${f.openings}`,
      );
    }
    for (const v of result.verdicts) console.log(`invariant ${v.name} ${v.pass ? 'PASS' : 'FAIL'} ${v.detail}`);
    const failed = result.faults.filter((f) => f.lost > 0 || f.doubled > 0).length + result.verdicts.filter((v) => !v.pass).length;
    const passed = result.faults.length + result.verdicts.length - failed;
    const outDir = path.join(repoRoot, '.local', 'chaos');
    fs.mkdirSync(outDir, { recursive: true });
    const report = {
      startedAt: startedAt.toISOString(),
      settings,
      ...result,
      workload: { ...workload, openings: workload.openings.length },
      passed,
      failed,
    };
    fs.writeFileSync(path.join(outDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
    fs.writeFileSync(
      path.join(outDir, `chaos-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`),
      `${JSON.stringify(report, null, 2)}\n`,
    );
    console.log(`chaos: ${passed} passed, ${failed} failed`);
    return failed === 0 ? 0 : 1;
  } catch (err) {
    for (const service of system.services) {
      if (!(await service.healthy()))
        console.error(`[chaos] ${service.name} is not healthy; its last output:\n${service.output.slice(-30).join('')}`);
    }
    throw err;
  } finally {
    await system.close();
  }
}

/** Waits up to three minutes for every announcement to be delivered, then judges. */
async function settleThenCheck(...args: Parameters<typeof checkInvariants>) {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const result = await checkInvariants(...args);
    const delivery = result.verdicts.find((v) => v.name === 'one-delivery-per-announcement-and-subscriber');
    if (delivery?.pass || Date.now() > deadline) return result;
    await new Promise((r) => setTimeout(r, 3000));
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`[chaos] failed: ${err.stack ?? err.message}`);
    process.exit(2);
  },
);
