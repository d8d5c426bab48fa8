import { usageError } from '../errors';
import { Command, CommandContext, flag } from '../command';
import { printJson, printLines } from '../format';

interface Centre {
  id: string;
  hostBodyKey: string;
  status: string;
  ordinal?: number | null;
  openedOn?: string | null;
  place?: string | null;
  closedOn?: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function required(context: CommandContext, names: string[]): Record<string, string> {
  const missing = names.filter((n) => !flag(context, n));
  if (missing.length) throw usageError(`missing ${missing.map((n) => `--${n}`).join(', ')}`, context.usage);
  return Object.fromEntries(names.map((n) => [n, flag(context, n) as string]));
}

/** A centre id, or the active centre of a host-body key (`05558`). */
async function centreId(context: CommandContext): Promise<string> {
  const [ref] = context.positionals;
  if (UUID.test(ref)) return ref;
  if (!/^\d{5}(\d{3})?$/.test(ref))
    throw usageError(`"${ref}" is neither a centre id (UUID) nor a host-body key (e.g. 05558)`, context.usage);
  // The list is paged (at most 500 a page): read pages until the centre or the end turns up.
  for (let offset = 0; ; offset += PAGE_SIZE) {
    const centres = await context.registry.request<Centre[]>('GET', `/centres?limit=${PAGE_SIZE}&offset=${offset}`);
    const active = centres.find((c) => c.hostBodyKey === ref && c.status !== 'closed');
    if (active) return active.id;
    if (centres.length < PAGE_SIZE) break;
  }
  throw usageError(`host body ${ref} has no registered or open centre at ${context.config.registryUrl}`, context.usage);
}

const PAGE_SIZE = 500;

function describe(verb: string, centre: Centre): string {
  const opened = centre.openedOn ? `, opened on ${centre.openedOn}${centre.place ? ` in ${centre.place}` : ''}` : '';
  const ordinal = centre.ordinal ? ` as centre no. ${centre.ordinal}` : '';
  const closed = centre.closedOn ? `, closed on ${centre.closedOn}` : '';
  return `${verb} centre ${centre.id} of host body ${centre.hostBodyKey}${ordinal}: ${centre.status}${opened}${closed}`;
}

export const centreRegister: Command = {
  words: ['centre', 'register'],
  summary: 'register a centre for a host body (registry)',
  synopsis: '--host-body-key KEY --name NAME --host-authority NAME --address TEXT --contact-email E-MAIL [--json]',
  options: {
    'host-body-key': { type: 'string' },
    name: { type: 'string' },
    'host-authority': { type: 'string' },
    address: { type: 'string' },
    'contact-email': { type: 'string' },
  },
  positionals: { min: 0, max: 0 },
  async run(context) {
    const f = required(context, ['host-body-key', 'name', 'host-authority', 'address', 'contact-email']);
    const centre = await context.registry.request<Centre>('POST', '/centres', {
      hostBodyKey: f['host-body-key'],
      name: f.name,
      hostAuthority: f['host-authority'],
      address: f.address,
      contactEmail: f['contact-email'],
    });
    if (context.config.json) return (printJson(centre), 0);
    printLines(describe('registered', centre));
    return 0;
  },
};

/** A change of a centre's state through `POST /centres/{id}/<action>`: a date, and a place or a reason. */
function lifecycle(
  action: 'open' | 'close',
  past: string,
  summary: string,
  dateFlag: string,
  textFlag: string,
  body: (f: Record<string, string>) => object,
): Command {
  return {
    words: ['centre', action],
    summary,
    synopsis: `<centre id | host-body key> --${dateFlag} YYYY-MM-DD --${textFlag} ${textFlag === 'place' ? 'PLACE' : 'TEXT'} [--json]`,
    options: { [dateFlag]: { type: 'string' }, [textFlag]: { type: 'string' } },
    positionals: { min: 1, max: 1 },
    async run(context) {
      const f = required(context, [dateFlag, textFlag]);
      const id = await centreId(context);
      const centre = await context.registry.request<Centre>('POST', `/centres/${id}/${action}`, body(f));
      if (context.config.json) return (printJson(centre), 0);
      printLines(describe(past, centre));
      return 0;
    },
  };
}

export const centreOpen = lifecycle(
  'open',
  'opened',
  'open a registered centre; it gets the next statewide ordinal (registry)',
  'opened-on',
  'place',
  (f) => ({
    openedOn: f['opened-on'],
    place: f.place,
  }),
);

export const centreClose = lifecycle('close', 'closed', 'close an open centre (registry)', 'closed-on', 'reason', (f) => ({
  closedOn: f['closed-on'],
  reason: f.reason,
}));
