// A centre's journey as a timeline: one row per event, a bar for how long each hop took, and a bar for each step still waiting.
import { duration, svg } from './svg.js';

const LEFT = 330;
const RIGHT = 940;
const ROW = 30;

/** Draws the timeline of `journey` (GET /api/journey) into #journey-timeline; `now` ends the waiting bars. */
export function drawJourneyTimeline(journey, now = Date.now()) {
  const figure = document.getElementById('journey-timeline');
  const entries = journey.entries.filter((e) => e.time);
  if (entries.length === 0) return figure.replaceChildren();
  const times = entries.map((e) => Date.parse(e.time));
  const start = times[0];
  const end = Math.max(times.at(-1), ...(journey.missing.length ? [now] : []));
  const x = (t) => LEFT + ((t - start) / Math.max(1, end - start)) * (RIGHT - LEFT);
  const hops = entries.map((e, i) => (i === 0 ? 0 : times[i] - times[i - 1]));
  const longest = hops.indexOf(Math.max(...hops));
  const rows = entries.length + journey.missing.length;
  const picture = svg(
    'svg',
    { viewBox: `0 0 960 ${rows * ROW + 30}`, width: '100%', role: 'img', 'aria-labelledby': 'timeline-caption', class: 'timeline' },
    svg('title', { id: 'timeline-caption' }, `Journey of ${journey.query}: how long each hop took and where it waits`),
  );
  entries.forEach((entry, i) => {
    const y = i * ROW + 10;
    const failed = !!entry.deadLetteredBy;
    const row = svg(
      'g',
      { class: `hop${failed ? ' failed' : ''}${i === longest && i > 0 ? ' longest' : ''}`, 'data-step': entry.step },
      svg(
        'text',
        { x: 0, y: y + 14, class: 'hop-name' },
        `${entry.step}${failed ? ` (dead-lettered by ${entry.deadLetteredBy})` : ''} — ${entry.source ?? '?'}`,
      ),
    );
    if (i > 0) {
      row.append(
        svg('rect', { x: x(times[i - 1]), y: y + 4, width: Math.max(2, x(times[i]) - x(times[i - 1])), height: 12, class: 'hop-bar' }),
        svg(
          'text',
          { x: Math.min(RIGHT - 120, x(times[i]) + 6), y: y + 14, class: 'hop-duration' },
          `+${duration(hops[i])}${i === longest ? ' (longest)' : ''}`,
        ),
      );
    }
    row.append(svg('circle', { cx: x(times[i]), cy: y + 10, r: 5, class: 'hop-dot' }));
    picture.append(row);
  });
  journey.missing.forEach((missing, j) => {
    const y = (entries.length + j) * ROW + 10;
    const since = Date.parse(missing.waitingSince);
    picture.append(
      svg(
        'g',
        { class: `waiting${missing.overdue ? ' overdue' : ''}`, 'data-step': missing.step },
        svg('text', { x: 0, y: y + 14, class: 'hop-name' }, `${missing.step} — not yet`),
        svg('rect', { x: x(since), y: y + 4, width: Math.max(2, x(now) - x(since)), height: 12, class: 'wait-bar' }),
        svg(
          'text',
          { x: Math.min(RIGHT - 160, x(now) + 6), y: y + 14, class: 'hop-duration' },
          `waiting ${duration(now - since)}${missing.overdue ? ', OVERDUE' : ''}`,
        ),
      ),
    );
  });
  const axis = rows * ROW + 20;
  picture.append(
    svg('line', { x1: LEFT, x2: RIGHT, y1: axis - 8, y2: axis - 8, class: 'axis' }),
    svg('text', { x: LEFT, y: axis + 6, class: 'axis-label' }, new Date(start).toISOString().replace('T', ' ').slice(0, 19)),
    svg('text', { x: RIGHT, y: axis + 6, class: 'axis-label end' }, `+${duration(end - start)}`),
  );
  figure.replaceChildren(picture);
}
