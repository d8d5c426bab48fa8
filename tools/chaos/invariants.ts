// What must hold after a chaos run, judged only from the databases, the topics and the receivers:
// never from the services' own counters.
import { ConsumerGroups, Topics } from '@ki/contracts';
import { collectMessages, waitForGroupToCatchUp } from '@ki/testing';
import { Client } from 'pg';
import { Injection } from './faults';
import { ChaosSystem } from './system';
import { WorkloadResult } from './workload';

export interface Verdict {
  name: string;
  pass: boolean;
  detail: string;
}

export interface FaultFigures {
  fault: string;
  injected: number;
  /** Openings sent while this fault was injected or not yet recovered from. */
  openings: number;
  lost: number;
  doubled: number;
  recoveryMaxS: number;
}

async function rows<T>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

const countsBy = (list: { k: string; n: number }[]) => new Map(list.map((r) => [r.k, r.n]));

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Waits until every consumer group committed up to the end of every partition it reads. */
export async function waitForCatchUp(system: ChaosSystem): Promise<void> {
  const admin = system.cluster.kafka();
  const reads: [string, string][] = [
    [ConsumerGroups.registry, Topics.registryCommands],
    [ConsumerGroups.fundingLedger, Topics.centres],
    [ConsumerGroups.notifications, Topics.centres],
    [ConsumerGroups.notifications, Topics.funding],
  ];
  for (const [group, topic] of reads) await waitForGroupToCatchUp(admin, group, topic, 300_000);
}

/** Checks every invariant and works out, per fault, the openings sent during its injections that were lost or doubled. */
export async function checkInvariants(
  system: ChaosSystem,
  workload: WorkloadResult,
  injections: Injection[],
): Promise<{ verdicts: Verdict[]; faults: FaultFigures[]; latency: Record<string, number> }> {
  const { registry, ledger, notifications } = system.databases;
  const opened = await rows<{ id: string; host_body_key: string }>(
    registry.url,
    `SELECT id, host_body_key FROM centres WHERE ordinal IS NOT NULL`,
  );
  const decisions = countsBy(
    await rows(ledger.url, `SELECT centre_id::text AS k, count(*)::int AS n FROM funding_decisions WHERE occasion = 'opening' GROUP BY 1`),
  );
  const announcements = countsBy(
    await rows(notifications.url, `SELECT centre_id::text AS k, count(*)::int AS n FROM announcements WHERE kind = 'opening' GROUP BY 1`),
  );
  const idByHostBody = new Map(opened.map((c) => [c.host_body_key, c.id]));
  const verdicts: Verdict[] = [];
  const verdict = (name: string, problems: string[], ok: string) =>
    verdicts.push({ name, pass: problems.length === 0, detail: problems.length === 0 ? ok : problems.slice(0, 5).join('; ') });

  const notOpened = workload.openings.filter((o) => !idByHostBody.has(o.hostBodyKey)).map((o) => `${o.hostBodyKey} never opened`);
  verdict('every-opening-recorded', notOpened, `${workload.openings.length} openings sent, ${opened.length} centres opened`);
  verdict(
    'one-funding-decision-per-opening',
    [
      ...opened.filter((c) => decisions.get(c.id) !== 1).map((c) => `${c.host_body_key}: ${decisions.get(c.id) ?? 0} decisions`),
      ...[...decisions.keys()].filter((id) => !opened.some((c) => c.id === id)).map((id) => `decision for unknown centre ${id}`),
    ],
    `${opened.length} openings, ${decisions.size} decisions`,
  );
  verdict(
    'one-announcement-per-opening',
    opened.filter((c) => announcements.get(c.id) !== 1).map((c) => `${c.host_body_key}: ${announcements.get(c.id) ?? 0} announcements`),
    `${opened.length} openings, ${announcements.size} opening announcements`,
  );

  // Receiver side: one successful delivery per announcement and subscriber. A delivery is re-sent
  // with the same webhook-id (or Message-ID) when the sender did not learn of its success; the
  // receiver recognises those, so they are counted apart and allowed.
  // The webhook subscriber takes every announcement, the e-mail subscriber the opening ones.
  const announcementIds = (await rows<{ id: string }>(notifications.url, `SELECT id::text AS id FROM announcements`)).map((r) => r.id);
  const idsByAnnouncement = new Map<string, Set<string>>();
  const successes = new Map<string, number>();
  for (const r of system.webhook.requests) {
    if (r.status !== 200) continue;
    successes.set(r.webhookId, (successes.get(r.webhookId) ?? 0) + 1);
    const announcement = (JSON.parse(r.body) as { data: { id: string } }).data.id;
    idsByAnnouncement.set(announcement, (idsByAnnouncement.get(announcement) ?? new Set()).add(r.webhookId));
  }
  const resentSuccesses = [...successes.values()].reduce((sum, n) => sum + n - 1, 0);
  const failedAttempts = system.webhook.requests.filter((r) => r.status !== 200).length;
  const mails = new Set(system.smtp.messageIds);
  const mailRetries = system.smtp.messageIds.length - mails.size;
  verdict(
    'one-delivery-per-announcement-and-subscriber',
    [
      ...announcementIds.filter((id) => !idsByAnnouncement.has(id)).map((id) => `announcement ${id} never delivered`),
      ...[...idsByAnnouncement.entries()]
        .filter(([, ids]) => ids.size > 1)
        .map(([id, ids]) => `announcement ${id} delivered as ${ids.size} webhook-ids`),
      ...[...idsByAnnouncement.keys()].filter((id) => !announcementIds.includes(id)).map((id) => `delivery of unknown announcement ${id}`),
      ...(mails.size !== announcements.size ? [`${announcements.size} opening announcements, ${mails.size} e-mails (by Message-ID)`] : []),
    ],
    `webhook: ${announcementIds.length} announcements, each delivered under one webhook-id (${failedAttempts} failed or unanswered attempts, ` +
      `${resentSuccesses} successes re-sent under the same id); e-mail: ${announcements.size} opening announcements, ${mails.size} Message-IDs, ${mailRetries} sent again`,
  );

  const units = await rows<{ unit: string; debits: string; credits: string }>(
    ledger.url,
    `SELECT unit, sum(debits_posted)::text AS debits, sum(credits_posted)::text AS credits FROM ledger_accounts GROUP BY unit`,
  );
  const negative = await rows<{ id: string }>(
    ledger.url,
    `SELECT id FROM ledger_accounts WHERE kind <> 'SOURCE' AND credits_posted < debits_posted`,
  );
  const totals = await rows<{ id: string }>(
    ledger.url,
    `SELECT a.id FROM ledger_accounts a
       LEFT JOIN (SELECT debit_account_id AS id, sum(amount) AS s FROM ledger_transfers GROUP BY 1) d ON d.id = a.id
       LEFT JOIN (SELECT credit_account_id AS id, sum(amount) AS s FROM ledger_transfers GROUP BY 1) c ON c.id = a.id
      WHERE a.debits_posted <> coalesce(d.s, 0) OR a.credits_posted <> coalesce(c.s, 0)`,
  );
  verdict(
    'ledger-balanced',
    [
      ...units.filter((u) => u.debits !== u.credits).map((u) => `${u.unit}: debits ${u.debits} ≠ credits ${u.credits}`),
      ...negative.map((a) => `${a.id} below zero`),
      ...totals.map((a) => `${a.id}: posted totals differ from its transfers`),
    ],
    units.map((u) => `${u.unit} debits = credits = ${u.credits}`).join(', '),
  );

  // Dead letters, read from the topic: each poison message once per consuming group (the registry), with its reason.
  const collected = await collectMessages(system.cluster.kafka(), Topics.deadLetters);
  const deadline = Date.now() + 60_000;
  while (collected.messages.filter((m) => m.key?.startsWith('poison-')).length < workload.poison.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
  }
  await collected.stop();
  const poisonProblems: string[] = [];
  let sentTwice = 0;
  for (const poison of workload.poison) {
    const letters = collected.messages.filter((m) => m.key === poison.key);
    const origins = new Set(
      letters.map((m) => `${m.headers.dlq_consumer_group}@${m.headers.dlq_original_partition}:${m.headers.dlq_original_offset}`),
    );
    sentTwice += letters.length - origins.size;
    if (origins.size !== 1) poisonProblems.push(`${poison.kind} (${poison.key}): ${origins.size} dead letters`);
    else if (!letters[0].headers.dlq_error_code || letters[0].headers.dlq_consumer_group !== ConsumerGroups.registry)
      poisonProblems.push(`${poison.kind}: no reason or wrong group`);
  }
  verdict(
    'poison-dead-lettered-once-per-group',
    poisonProblems,
    `${workload.poison.length} poison messages of ${new Set(workload.poison.map((p) => p.kind)).size} kinds, each one dead letter with its reason (${sentTwice} sent twice after a crash, recognised by origin)`,
  );
  verdict('no-partition-stuck', [], 'every consumer group caught up with every partition it reads');

  // Figures per fault: openings sent while it was injected or not yet recovered.
  const faults: FaultFigures[] = [];
  for (const fault of [...new Set(injections.map((i) => i.fault))]) {
    const own = injections.filter((i) => i.fault === fault);
    const affected = workload.openings.filter((o) => own.some((i) => o.sentAt >= i.startedAt && o.sentAt <= i.recoveredAt));
    const ids = affected.map((o) => idByHostBody.get(o.hostBodyKey));
    faults.push({
      fault,
      injected: own.length,
      openings: affected.length,
      lost: ids.filter((id) => !id || !decisions.get(id) || !announcements.get(id)).length,
      doubled: ids.filter((id) => id && ((decisions.get(id) ?? 0) > 1 || (announcements.get(id) ?? 0) > 1)).length,
      recoveryMaxS: Math.max(...own.map((i) => (i.recoveredAt - i.liftedAt) / 1000)),
    });
  }

  // Opening → announcement, from the moment the workload sent it to the first successful webhook about it.
  const firstDelivery = new Map<string, number>();
  for (const r of system.webhook.requests) {
    if (r.status !== 200) continue;
    const body = JSON.parse(r.body) as { type: string; data: { hostBodyKey: string } };
    if (body.type !== 'announcement.opening') continue;
    if (!firstDelivery.has(body.data.hostBodyKey) || (firstDelivery.get(body.data.hostBodyKey) ?? 0) > r.at)
      firstDelivery.set(body.data.hostBodyKey, r.at);
  }
  // Calm: sent before the first fault (the run's first fifth); the rest were sent while faults ran.
  const firstFault = Math.min(...injections.map((i) => i.startedAt));
  const latencies = { calm: [] as number[], faults: [] as number[] };
  for (const o of workload.openings) {
    const at = firstDelivery.get(o.hostBodyKey);
    if (at !== undefined) (o.sentAt >= firstFault ? latencies.faults : latencies.calm).push(at - o.sentAt);
  }
  const latency = {
    calm_openings: latencies.calm.length,
    calm_p50_ms: percentile(latencies.calm, 50),
    calm_p99_ms: percentile(latencies.calm, 99),
    fault_openings: latencies.faults.length,
    fault_p50_ms: percentile(latencies.faults, 50),
    fault_p99_ms: percentile(latencies.faults, 99),
  };
  verdict(
    'opening-to-announcement-latency',
    latencies.calm.length + latencies.faults.length === workload.openings.length ? [] : ['some openings were never delivered'],
    `before the first fault p50 ${latency.calm_p50_ms} ms p99 ${latency.calm_p99_ms} ms (${latency.calm_openings}); while faults ran p50 ${latency.fault_p50_ms} ms p99 ${latency.fault_p99_ms} ms (${latency.fault_openings})`,
  );
  return { verdicts, faults, latency };
}
