import { Injectable } from '@nestjs/common';
import type { Page } from '@ki/platform';
import { DataSource } from 'typeorm';
import { Centre, CentreHistoryEntry, HostBody, Territory } from '../database/centre.entity';
import { CentreStatus, Coverage, coverageOn, isOpenOn } from '../domain/centre';
import { RegistryError } from '../domain/registry.errors';

export interface CentreFilter {
  status?: CentreStatus;
  territoryKey?: string;
  regierungsbezirk?: string;
}

/** Read side of the registry. */
@Injectable()
export class CentreQueries {
  constructor(private readonly dataSource: DataSource) {}

  async centre(id: string): Promise<Centre> {
    const centre = await this.dataSource.getRepository(Centre).findOneBy({ id });
    if (!centre) throw new RegistryError('REGISTRY.CENTRE_NOT_FOUND', `no centre with id ${id}`, { centreId: id });
    return centre;
  }

  /** Centres of the page, plus one more row when more follow (see pageOfRows). */
  async centres(filter: CentreFilter, page: Page): Promise<(Centre & { territoryKey: string })[]> {
    const rows = await this.dataSource
      .getRepository(Centre)
      .createQueryBuilder('c')
      .innerJoin(HostBody, 'h', 'h.key = c.host_body_key')
      .innerJoin(Territory, 't', 't.key = h.territory_key')
      .addSelect('h.territory_key', 'territory_key')
      .where(filter.status ? 'c.status = :status' : 'true', { status: filter.status })
      .andWhere(filter.territoryKey ? 'h.territory_key = :territoryKey' : 'true', { territoryKey: filter.territoryKey })
      .andWhere(filter.regierungsbezirk ? 't.regierungsbezirk = :rb' : 'true', { rb: filter.regierungsbezirk })
      .orderBy('c.ordinal', 'ASC', 'NULLS LAST')
      .addOrderBy('c.id')
      .offset(page.offset)
      .limit(page.limit + 1)
      .getRawAndEntities();
    return rows.entities.map((c, i) => ({ ...c, territoryKey: rows.raw[i].territory_key as string }));
  }

  async history(id: string): Promise<CentreHistoryEntry[]> {
    await this.centre(id);
    return this.dataSource.getRepository(CentreHistoryEntry).find({ where: { centreId: id }, order: { seq: 'ASC' } });
  }

  private async openings(): Promise<{ territoryKey: string; hostBodyKey: string; openedOn: string | null; closedOn: string | null }[]> {
    return this.dataSource.query(
      `SELECT h.territory_key AS "territoryKey", c.host_body_key AS "hostBodyKey", to_char(c.opened_on, 'YYYY-MM-DD') AS "openedOn",
              to_char(c.closed_on, 'YYYY-MM-DD') AS "closedOn"
       FROM centres c JOIN host_bodies h ON h.key = c.host_body_key`,
    );
  }

  async coverage(asOf: string): Promise<Coverage> {
    const territories = await this.dataSource.getRepository(Territory).find({ order: { key: 'ASC' } });
    return coverageOn(asOf, territories, await this.openings());
  }

  /** Territories with the number of centres open in each on `asOf`. */
  async territories(asOf: string): Promise<(Territory & { centresOpen: number })[]> {
    const territories = await this.dataSource.getRepository(Territory).find({ order: { key: 'ASC' } });
    const open = (await this.openings()).filter((c) => isOpenOn(c, asOf));
    return territories.map((t) => ({ ...t, centresOpen: open.filter((c) => c.territoryKey === t.key).length }));
  }
}
