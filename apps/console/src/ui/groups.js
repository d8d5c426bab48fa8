// Every consumer group of the cluster, and moving the offsets of an empty one: a preview (dry run) first, then the reset.
const $ = (id) => document.getElementById(id);
let previewed;

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text ?? '';
  if (className) td.className = className;
  return td;
}

function members(group) {
  if (group.members.length === 0) return 'none';
  return group.members
    .map(
      (m) =>
        `${m.clientId}@${m.clientHost}: ${
          Object.entries(m.assignment)
            .map(([t, ps]) => `${t} [${ps.join(',')}]`)
            .join('; ') || 'nothing assigned'
        }`,
    )
    .join('\n');
}

export async function showGroups(api, say) {
  const { groups } = await api('/api/groups');
  $('group-rows').replaceChildren(
    ...groups.map((g) => {
      const tr = document.createElement('tr');
      tr.dataset.group = g.groupId;
      const lag = g.partitions.map((p) => `${p.topic}[${p.partition}] ${p.committed}/${p.high} lag ${p.lag}`).join('\n');
      tr.append(
        cell(g.groupId),
        cell(g.ours ? 'ours' : 'other'),
        cell(g.state, g.state === 'Empty' ? '' : 'handled'),
        cell(members(g)),
        cell(lag),
        cell(String(g.totalLag), g.totalLag > 0 ? 'behind' : ''),
      );
      return tr;
    }),
  );
  say(`${groups.length} consumer groups`);
}

function resetBody(form, dryRun) {
  const data = new FormData(form);
  const to = data.get('to');
  const value = String(data.get('value') ?? '').trim();
  return {
    to,
    ...(to === 'timestamp' ? { timestamp: new Date(value).toISOString() } : {}),
    ...(to === 'offset' ? { offset: value } : {}),
    reason: data.get('reason'),
    dryRun,
  };
}

function showMoves(result) {
  $('reset-moves').replaceChildren(
    ...result.moves.map((m) => {
      const tr = document.createElement('tr');
      tr.append(cell(m.topic), cell(String(m.partition)), cell(m.from), cell(m.to));
      return tr;
    }),
  );
  $('reset-preview').hidden = false;
}

/** Wires the reset form: Preview asks for a dry run; Reset is enabled only for the request just previewed. */
export function setUpGroupReset(api, say) {
  const form = $('reset-form');
  const request = () => JSON.stringify({ group: $('reset-group').value, ...resetBody(form, false) });
  form.addEventListener('input', () => ($('reset-apply').disabled = previewed !== request()));
  form.addEventListener('submit', (event) => event.preventDefault());
  $('reset-dry-run').addEventListener('click', () =>
    (async () => {
      if (!form.reportValidity()) return;
      const result = await api(`/api/groups/${encodeURIComponent($('reset-group').value)}/reset`, {
        method: 'POST',
        body: JSON.stringify(resetBody(form, true)),
      });
      showMoves(result);
      previewed = request();
      $('reset-apply').disabled = false;
      say(`preview: ${result.moves.length} partition(s) of ${result.groupId} would move`);
    })().catch((err) => say(err.message)),
  );
  $('reset-apply').addEventListener('click', () =>
    (async () => {
      const result = await api(`/api/groups/${encodeURIComponent($('reset-group').value)}/reset`, {
        method: 'POST',
        body: JSON.stringify(resetBody(form, false)),
      });
      showMoves(result);
      previewed = undefined;
      $('reset-apply').disabled = true;
      // The list first: it reports itself through say(), and the reset's result must stay on screen.
      await showGroups(api, say);
      say(`reset ${result.groupId}: ${result.moves.length} partition(s) moved`);
    })().catch((err) => say(err.message)),
  );
}
