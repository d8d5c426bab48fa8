// Replaying every dead letter that matches a filter: a dry run counts what would be sent and what is already handled.
const $ = (id) => document.getElementById(id);

function body(form, dryRun) {
  const data = new FormData(form);
  const text = (name) => String(data.get(name) ?? '').trim() || undefined;
  const time = (name) => (text(name) ? new Date(text(name)).toISOString() : undefined);
  return {
    filter: { reason: text('reason'), type: text('type'), consumerGroup: text('consumerGroup'), from: time('from'), to: time('to') },
    dryRun,
    ...(dryRun ? {} : { reason: text('replayReason') }),
    ratePerSecond: Number(data.get('ratePerSecond') || 20),
  };
}

function describe(result) {
  const groups = Object.entries(result.byGroup)
    .map(([group, n]) => `${group}: ${n.send} to send, ${n.alreadyHandled} already handled`)
    .join('; ');
  const verb = result.dryRun ? 'would send' : 'sent';
  return `${result.matched} matching: ${verb} ${result.send}, ${result.alreadyHandled} already handled${result.remaining ? `, ${result.remaining} left for another batch` : ''}${
    result.refused.length ? `, ${result.refused.length} refused` : ''
  }${groups ? ` (${groups})` : ''}${result.batchId ? `. Batch ${result.batchId}` : ''}`;
}

export function setUpBulkReplay(api, say) {
  const form = $('bulk-replay-form');
  form.addEventListener('submit', (event) => event.preventDefault());
  const run = (dryRun) =>
    (async () => {
      const result = await api('/api/dead-letters/replay', { method: 'POST', body: JSON.stringify(body(form, dryRun)) });
      $('bulk-replay-result').textContent = describe(result);
      say(result.dryRun ? 'bulk replay previewed' : `bulk replay sent ${result.send}`);
    })().catch((err) => say(err.message));
  $('bulk-dry-run').addEventListener('click', () => run(true));
  $('bulk-replay').addEventListener('click', () => form.reportValidity() && run(false));
}
