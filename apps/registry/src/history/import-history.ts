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

/** The history does not fit the registry it is imported into; nothing of that row was written. */
export class HistoryMismatchError extends Error {
  override readonly name = 'HistoryMismatchError';
}

const describeRow = (row: HistoricOpening) => `history row ${row.ordinal} (${row.hostBodyKey}, ${row.openedOn})`;

/**
 * Opens the centres of the history in order, through the same handlers as the API, each marked
 * as recorded later with its date status. Registering and opening a row is one transaction, and
 * a centre left registered by an earlier run is opened, so an import resumes after a crash. A
 * row whose centre is open with the CSV's ordinal is skipped, so importing twice changes nothing.
 * Each CSV ordinal must be the one the registry gives; otherwise the import stops with the
 * reason (for example a registry that already holds later openings).
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
    if (existing?.status === 'open') {
      if (existing.ordinal !== row.ordinal)
        throw new HistoryMismatchError(
          `${describeRow(row)}: the centre of ${row.hostBodyKey} is already open as the ${existing.ordinal}., not the ${row.ordinal}.; ` +
            'import the history into a registry without other openings',
        );
      skipped++;
      continue;
    }
    await dataSource.transaction(async (manager) => {
      const [{ last }] = await manager.query(`SELECT last FROM opening_ordinals FOR UPDATE`);
      if (last + 1 !== row.ordinal)
        throw new HistoryMismatchError(
          `${describeRow(row)}: the registry would give this opening the ordinal ${last + 1}, not ${row.ordinal} ` +
            `(it holds ${last} opening(s)); import the history into a registry whose openings are exactly the rows before it`,
        );
      const hostBody = await manager.findOneByOrFail(HostBody, { key: row.hostBodyKey });
      const centre =
        existing ??
        (await register.execute(
          {
            hostBodyKey: row.hostBodyKey,
            name: `Kommunales Integrationszentrum ${hostBody.name}`,
            hostAuthority: hostBody.name,
            address: `${row.place} (historischer Eintrag, Anschrift nicht erfasst)`,
            contactEmail: `ki-${row.hostBodyKey}@history.invalid`,
          },
          manager,
        ));
      const result = await open.execute({ centreId: centre.id, openedOn: row.openedOn, place: row.place }, manager, {
        dateStatus: row.dateStatus,
      });
      if (result.ordinal !== row.ordinal)
        throw new HistoryMismatchError(`${describeRow(row)}: the registry gave the ordinal ${result.ordinal}, not ${row.ordinal}`);
    });
    opened++;
  }
  return { opened, skipped };
}
