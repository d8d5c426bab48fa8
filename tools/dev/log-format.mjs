// Renders the services' JSON log lines (pino) for humans: "12:04:05.123 INFO  message key=value".
// Lines that are not JSON are shown as they are.
const LEVELS = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
const COLORS = { 40: 33, 50: 31, 60: 31 };
const HIDDEN = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname']);

// Nest's start-up inventory (modules loaded, routes mapped) is noise in a terminal with four services.
const QUIET_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

/** The readable form of one log line, or null for a line not worth showing in the terminal. */
export function formatLogLine(line) {
  let entry;
  try {
    entry = JSON.parse(line);
  } catch {
    return line;
  }
  if (typeof entry !== 'object' || entry === null || !('level' in entry)) return line;
  if (QUIET_CONTEXTS.has(entry.context) && entry.level <= 30) return null;
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 23) : '';
  const level = LEVELS[entry.level] ?? String(entry.level);
  const extras = Object.entries(entry)
    .filter(([k]) => !HIDDEN.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  const text = `${time} ${level} ${entry.msg ?? ''}${extras ? `  \x1b[2m${extras}\x1b[0m` : ''}`;
  const color = COLORS[entry.level];
  return color ? `\x1b[${color}m${text}\x1b[0m` : text;
}
