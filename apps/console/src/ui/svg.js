// Small helpers for the hand-written SVG pictures: an element with attributes, text, durations.
const NS = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes and children (strings become text). */
export function svg(name, attributes = {}, ...children) {
  const element = document.createElementNS(NS, name);
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) element.setAttribute(key, String(value));
  for (const child of children) element.append(typeof child === 'string' ? document.createTextNode(child) : child);
  return element;
}

/** "340 ms", "4.2 s", "3 min", "2 h 5 min", "3 d 4 h": how long a hop took or a step waits. */
export function duration(ms) {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** A small line chart of `values` (numbers) over `width` × `height`, with its title and current value. */
export function sparkline(title, values, unit, { width = 220, height = 48, alert = false } = {}) {
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(height - 4 - (v / max) * (height - 8)).toFixed(1)}`).join(' ');
  const current = values.at(-1) ?? 0;
  return svg(
    'svg',
    {
      viewBox: `0 0 ${width} ${height + 18}`,
      width,
      height: height + 18,
      role: 'img',
      'aria-label': `${title}: ${current} ${unit} now, highest ${max}`,
      class: alert ? 'chart alert' : 'chart',
    },
    svg('text', { x: 0, y: 12, class: 'chart-title' }, `${title}: ${current} ${unit}`),
    svg(
      'g',
      { transform: 'translate(0,16)' },
      svg('rect', { width, height, class: 'chart-frame' }),
      svg('polyline', { points, class: 'chart-line' }),
    ),
  );
}
