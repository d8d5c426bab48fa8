import fs from 'node:fs';
import path from 'node:path';
import { DataSource, Not } from 'typeorm';
import { Centre, HostBody } from '../centres/database/centre.entity';
import { OpenCentreHandler } from '../centres/open-centre/open-centre.handler';
import { RegisterCentreHandler } from '../centres/register-centre/register-centre.handler';

/** One row of the openings history. */
export interface HistoricOpening {
  ordinal: number;
  hostBodyKey: string;
  openedOn: string;
  dateStatus: 'documented' | 'assumed';
  place: string;
  note: string;
}

/** The history the project ships: openings 1 to 49, from 2013 to mid 2015 (Coesfeld, the 50th, opens after). */
export const SHIPPED_HISTORY = path.join(__dirname, 'data/openings-2013-2016.csv');

function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  cells.push(cell);
  return cells;
}

export function readHistory(file = SHIPPED_HISTORY): HistoricOpening[] {
  const [header, ...lines] = fs.readFileSync(file, 'utf8').trim().split('\n');
  if (header.trim() !== 'ordinal,host_body_key,opened_on,date_status,place,note') throw new Error(`${file}: unexpected header "${header}"`);
  return lines.map((line, i) => {
    const [ordinal, hostBodyKey, openedOn, dateStatus, place, note] = splitCsvLine(line);
    if (dateStatus !== 'documented' && dateStatus !== 'assumed')
      throw new Error(`${file}:${i + 2}: date_status must be documented or assumed`);
    return { ordinal: Number(ordinal), hostBodyKey, openedOn, dateStatus, place, note };
  });
}

export interface ImportResult {
  opened: number;
  skipped: number;
}

/**
 * Opens the centres of the history in order, through the same handlers as the API. A host body
 * whose centre is already registered or open is skipped, so importing twice changes nothing.
 */
export async function importHistory(
  dataSource: DataSource,
  register: RegisterCentreHandler,
  open: OpenCentreHandler,
  openings: HistoricOpening[] = readHistory(),
): Promise<ImportResult> {
  let opened = 0;
  let skipped = 0;
  for (const row of [...openings].sort((a, b) => a.ordinal - b.ordinal)) {
    const existing = await dataSource.getRepository(Centre).findOneBy({ hostBodyKey: row.hostBodyKey, status: Not('closed') });
    if (existing) {
      skipped++;
      continue;
    }
    const hostBody = await dataSource.getRepository(HostBody).findOneByOrFail({ key: row.hostBodyKey });
    const centre = await register.execute({
      hostBodyKey: row.hostBodyKey,
      name: `Kommunales Integrationszentrum ${hostBody.name}`,
      hostAuthority: hostBody.name,
      address: `${row.place} (historical record)`,
      contactEmail: `ki-${row.hostBodyKey}@history.invalid`,
    });
    await open.execute({ centreId: centre.id, openedOn: row.openedOn, place: row.place });
    opened++;
  }
  return { opened, skipped };
}
