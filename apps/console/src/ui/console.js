// The console page: the operator key is entered once and sent as X-API-Key with every call.
import { setUpBulkReplay } from './bulk-replay.js';
import { showCluster } from './cluster.js';
import { setUpGroupReset, showGroups } from './groups.js';
import { drawJourneyTimeline } from './journey-timeline.js';
import { showTopology } from './topology.js';

const $ = (id) => document.getElementById(id);
let apiKey = sessionStorage.getItem('ki-console-key') ?? '';
let stream;

function say(text) {
  $('status').textContent = text;
}

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text ?? '';
  if (className) td.className = className;
  return td;
}

async function api(path, init = {}) {
  const res = await fetch(path, { ...init, headers: { 'content-type': 'application/json', 'x-api-key': apiKey, ...(init.headers ?? {}) } });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${res.status}: ${[].concat(body.message ?? res.statusText).join('; ')}`);
  return body;
}

function consumersText(row) {
  if (row.deadLetter) return `dead letter of ${row.deadLetter.consumerGroup}: ${row.deadLetter.errorCode}`;
  if (row.consumers.length === 0) return row.seq in progressPending ? '…' : 'no consumer group';
  return row.consumers.map((c) => `${c.group}: ${c.status}`).join(', ');
}

function flowRow(row) {
  const tr = document.createElement('tr');
  tr.dataset.seq = row.seq;
  const statuses = row.consumers.map((c) => c.status);
  const status =
    row.deadLetter || statuses.includes('dead-lettered')
      ? 'dead-lettered'
      : statuses.includes('behind')
        ? 'behind'
        : statuses.length > 0
          ? 'handled'
          : '';
  tr.append(
    cell(row.time ?? row.receivedAt),
    cell(row.deadLetter ? `${row.type ?? '(no type)'} (dead letter)` : (row.type ?? '(no type)')),
    cell(row.hostBodyKey ?? row.key),
    cell(row.correlationId),
    cell(row.source),
    cell(consumersText(row), status),
  );
  return tr;
}

/** Rows that arrived by the stream and wait for the next refresh to show their consumers' progress. */
const progressPending = {};
let refresh;

async function showFlow() {
  const rows = await api('/api/flow?limit=200');
  for (const key of Object.keys(progressPending)) delete progressPending[key];
  $('flow-rows').replaceChildren(...rows.map(flowRow));
  say(`${rows.length} messages`);
  startStream();
  // Progress changes after a message arrives (handled, dead-lettered): refresh it while the view is open.
  clearTimeout(refresh);
  refresh = setTimeout(() => !$('view-flow').hidden && showFlow().catch((err) => say(err.message)), 5000);
}

/** Server-sent events read with fetch, because EventSource cannot send the key header. */
async function startStream() {
  if (stream) return;
  stream = new AbortController();
  try {
    const res = await fetch('/api/flow/stream', { headers: { 'x-api-key': apiKey }, signal: stream.signal });
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      const events = buffer.split('\n\n');
      buffer = events.pop();
      for (const event of events) {
        const data = event.split('\n').find((line) => line.startsWith('data: '));
        if (!data) continue;
        const row = JSON.parse(data.slice(6));
        if (row.type && !row.deadLetter) progressPending[row.seq] = true;
        $('flow-rows').prepend(flowRow(row));
      }
    }
  } catch {
    // Stopped, or the connection dropped: the next view change starts it again.
  }
  stream = undefined;
}

async function showJourney(q) {
  if (!q) return;
  const journey = await api(`/api/journey?q=${encodeURIComponent(q)}`);
  $('journey-entries').replaceChildren(
    ...journey.entries.map((e) => {
      const li = document.createElement('li');
      li.textContent = `${e.time ?? ''} — ${e.step} — ${e.summary} (${e.source ?? '?'}, correlation ${e.correlationId ?? '?'})`;
      if (e.deadLetteredBy) li.className = 'dead-lettered';
      return li;
    }),
  );
  $('journey-missing').replaceChildren(
    ...journey.missing.map((m) => {
      const li = document.createElement('li');
      li.textContent = `${m.step}: ${m.overdue ? 'OVERDUE' : 'waiting'} since ${m.waitingSince}`;
      if (m.overdue) li.className = 'overdue';
      return li;
    }),
  );
  drawJourneyTimeline(journey);
  say(`${journey.entries.length} events for ${q}`);
}

async function showConsumers() {
  const { partitions } = await api('/api/consumers');
  $('consumer-rows').replaceChildren(
    ...partitions.map((p) => {
      const tr = document.createElement('tr');
      tr.append(
        cell(p.group),
        cell(p.topic),
        cell(String(p.partition)),
        cell(p.committed),
        cell(p.high),
        cell(String(p.lag)),
        cell(p.stalled ? 'stalled' : p.lag > 0 ? 'behind' : 'up to date', p.stalled ? 'stalled' : ''),
      );
      return tr;
    }),
  );
  say(`${partitions.length} partitions`);
}

async function showDeadLetters() {
  const filter = new URLSearchParams([...new FormData($('dead-letter-filter'))].filter(([, v]) => v));
  const letters = await api(`/api/dead-letters?${filter}`);
  $('dead-letter-rows').replaceChildren(
    ...letters.map((l) => {
      const tr = document.createElement('tr');
      const open = document.createElement('button');
      open.type = 'button';
      open.textContent = 'Open';
      open.setAttribute('aria-label', `Open dead letter ${l.id ?? l.offset}`);
      open.addEventListener('click', () => showDeadLetter(l.partition, l.offset).catch((err) => say(err.message)));
      const actions = document.createElement('td');
      actions.append(open);
      tr.append(
        cell(l.failedAt),
        cell(l.type),
        cell(l.id),
        cell(l.consumerGroup),
        cell(`${l.errorCode}: ${l.error}`, 'dead-lettered'),
        actions,
      );
      return tr;
    }),
  );
  say(`${letters.length} dead letters`);
}

let openLetter;
async function showDeadLetter(partition, offset) {
  const letter = await api(`/api/dead-letters/${partition}/${offset}`);
  openLetter = letter;
  $('dl-title').textContent = `${letter.type ?? 'message'} ${letter.id ?? ''} — dead-lettered by ${letter.consumerGroup}`;
  $('dl-preview').textContent = letter.replay.noop
    ? `Replay would be a no-op: ${letter.consumerGroup} already handled this event id.`
    : `A replay sends it back to ${letter.originalTopic}; handled already by: ${letter.replay.alreadyHandledBy.join(', ') || 'nobody'}.`;
  $('dl-payload').textContent = typeof letter.payload === 'string' ? letter.payload : JSON.stringify(letter.payload, null, 2);
  $('dl-headers').textContent = JSON.stringify(letter.headers, null, 2);
  $('dead-letter-detail').hidden = false;
}

async function replay(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  const payload = String(form.get('payload') ?? '').trim();
  const result = await api(`/api/dead-letters/${openLetter.partition}/${openLetter.offset}/replay`, {
    method: 'POST',
    body: JSON.stringify({ reason: form.get('reason'), ...(payload ? { payload: JSON.parse(payload) } : {}) }),
  });
  say(`replayed to ${result.topic} at offset ${result.offset}${result.noop ? ' (no-op: already handled)' : ''}`);
}

async function showCatalogue() {
  const { types } = await api('/api/catalogue');
  $('catalogue-types').replaceChildren(
    ...types.flatMap((t) => {
      const dt = document.createElement('dt');
      dt.textContent = `${t.type} — ${t.ratePerMinute}/min`;
      const dd = document.createElement('dd');
      dd.textContent = `${t.summary} Topic ${t.topic}; consumed by ${t.consumers.join(', ') || 'no service'}.`;
      return [dt, dd];
    }),
  );
  say(`${types.length} event types`);
}

const views = {
  flow: showFlow,
  journey: () => showJourney($('journey-q').value),
  consumers: showConsumers,
  'dead-letters': showDeadLetters,
  catalogue: showCatalogue,
  topology: () => showTopology(api, say),
  groups: () => showGroups(api, say),
  cluster: () => showCluster(api, say),
};

function show(view) {
  for (const button of document.querySelectorAll('nav button')) button.setAttribute('aria-pressed', String(button.dataset.view === view));
  for (const name of Object.keys(views)) $(`view-${name}`).hidden = name !== view;
  location.hash = view;
  if (!apiKey) return say('Enter your operator key first.');
  views[view]().catch((err) => say(err.message));
}

$('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  apiKey = $('api-key').value;
  sessionStorage.setItem('ki-console-key', apiKey);
  stream?.abort();
  show(location.hash.slice(1) || 'flow');
});
for (const button of document.querySelectorAll('nav button')) button.addEventListener('click', () => show(button.dataset.view));
$('journey-form').addEventListener('submit', (event) => {
  event.preventDefault();
  showJourney($('journey-q').value).catch((err) => say(err.message));
});
$('dead-letter-filter').addEventListener('submit', (event) => {
  event.preventDefault();
  showDeadLetters().catch((err) => say(err.message));
});
$('replay-form').addEventListener('submit', (event) => replay(event).catch((err) => say(err.message)));
setUpGroupReset(api, say);
setUpBulkReplay(api, say);
show(location.hash.slice(1) || 'flow');
