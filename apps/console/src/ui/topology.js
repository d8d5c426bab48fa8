// The topology picture: producers → topics → consumer groups, arrows carrying rates and lag, red when a consumer stalls or fails.
import { sparkline, svg } from './svg.js';

const COLUMN = { producer: 20, topic: 330, consumer: 760 };
const BOX = { producer: 170, topic: 270, consumer: 170 };
const ROW = 46;
const RED = new Set(['stalled', 'failing']);
let refresh;

function layout(nodes) {
  const rows = { producer: 0, topic: 0, consumer: 0 };
  const at = new Map();
  for (const node of nodes) at.set(node.id, { x: COLUMN[node.kind], y: 20 + rows[node.kind]++ * ROW, node });
  return { at, height: 40 + Math.max(...Object.values(rows)) * ROW };
}

/** Messages per minute: whole numbers from 10 up, one decimal below. */
function perMinute(rate) {
  return `${rate >= 10 ? Math.round(rate) : Math.round(rate * 10) / 10}/min`;
}

function edgeLabel(edge) {
  if (edge.kind === 'produces') return perMinute(edge.ratePerMinute);
  return `${perMinute(edge.ratePerMinute)} · lag ${edge.lag}${RED.has(edge.state) ? ` · ${edge.state}` : ''}`;
}

function drawGraph(topology) {
  const { at, height } = layout(topology.nodes);
  const picture = svg(
    'svg',
    { viewBox: `0 0 960 ${height}`, width: '100%', role: 'img', 'aria-labelledby': 'topology-caption', class: 'topology' },
    svg('title', { id: 'topology-caption' }, 'Services, topics and consumer groups with rates and lag'),
    svg(
      'defs',
      {},
      ...['ok', 'idle', 'red'].map((kind) =>
        svg(
          'marker',
          { id: `arrow-${kind}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto' },
          svg('path', { d: 'M0,0 L10,5 L0,10 z', class: `arrowhead ${kind}` }),
        ),
      ),
    ),
  );
  for (const edge of topology.edges) {
    const from = at.get(edge.from);
    const to = at.get(edge.to);
    if (!from || !to) continue;
    const x1 = from.x + BOX[from.node.kind];
    const y1 = from.y + 15;
    const x2 = to.x - 2;
    const y2 = to.y + 15;
    const mid = (x1 + x2) / 2;
    const kind = RED.has(edge.state) ? 'red' : edge.state === 'idle' ? 'idle' : 'ok';
    const group = svg(
      'g',
      { class: `edge ${edge.state}`, 'data-from': edge.from, 'data-to': edge.to, 'data-state': edge.state },
      svg('title', {}, `${edge.from} → ${edge.to}: ${edgeLabel(edge)}${edge.detail ? ` (${edge.detail})` : ''}`),
      svg('path', {
        d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`,
        class: `edge-line ${kind}`,
        'marker-end': `url(#arrow-${kind})`,
      }),
    );
    // A producer's label at the middle of its curve; a consumer's just before its box, at the curve's
    // height three quarters along (where arrows into one box are still apart), ending at the box.
    if (edge.kind === 'produces' && edge.state !== 'idle')
      group.append(svg('text', { x: mid, y: (y1 + y2) / 2 - 4, class: `edge-label ${kind}` }, edgeLabel(edge)));
    if (edge.kind === 'consumes')
      group.append(svg('text', { x: x2 - 10, y: 0.156 * y1 + 0.844 * y2 - 4, class: `edge-label end ${kind}` }, edgeLabel(edge)));
    picture.append(group);
  }
  const failing = new Set(topology.edges.filter((e) => RED.has(e.state)).map((e) => e.to));
  const written = new Map();
  for (const e of topology.edges) if (e.kind === 'produces') written.set(e.to, (written.get(e.to) ?? 0) + e.ratePerMinute);
  for (const { x, y, node } of at.values()) {
    const red = failing.has(node.id);
    picture.append(
      svg(
        'g',
        { class: `node ${node.kind}${red ? ' red' : ''}${node.undeclared ? ' undeclared' : ''}`, 'data-node': node.id },
        svg('rect', { x, y, width: BOX[node.kind], height: 30, rx: 5 }),
        svg(
          'text',
          { x: x + 8, y: y + 20 },
          `${node.label}${node.undeclared ? ' (undeclared)' : ''}${node.kind === 'topic' ? ` · ${perMinute(written.get(node.id) ?? 0)}` : ''}${red ? ' ⚠' : ''}`,
        ),
      ),
    );
  }
  return picture;
}

function drawCharts(history) {
  const topics = [...new Set(history.flatMap((s) => Object.keys(s.topics)))].sort();
  const groups = [...new Set(history.flatMap((s) => Object.keys(s.groups)))].sort();
  return {
    rates: topics.map((t) =>
      sparkline(
        t,
        history.map((s) => s.topics[t]?.ratePerMinute ?? 0),
        'msg/min',
      ),
    ),
    lags: groups.map((g) => {
      const lag = history.map((s) => s.groups[g]?.lag ?? 0);
      return sparkline(`${g} lag`, lag, 'messages', { alert: (lag.at(-1) ?? 0) > 0 });
    }),
  };
}

/** Shows the picture and its charts, and refreshes them every 5 seconds while the view is open. */
export async function showTopology(api, say) {
  const topology = await api('/api/topology');
  document.getElementById('topology-graph').replaceChildren(drawGraph(topology));
  const { rates, lags } = drawCharts(topology.history);
  document.getElementById('topology-rates').replaceChildren(...rates);
  document.getElementById('topology-lags').replaceChildren(...lags);
  const red = topology.edges.filter((e) => RED.has(e.state));
  say(
    `${topology.nodes.length} services and topics, rates over the last ${topology.ratePeriodSeconds} s; ${red.length ? `${red.length} consumer(s) in trouble` : 'no consumer in trouble'}`,
  );
  clearTimeout(refresh);
  refresh = setTimeout(
    () => !document.getElementById('view-topology').hidden && showTopology(api, say).catch((err) => say(err.message)),
    5000,
  );
}
