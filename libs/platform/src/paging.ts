import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import type { Request, Response } from 'express';

/** Rows of a list endpoint when the caller gives no `limit`, and the most it may ask for. */
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 500;

/** `limit` and `offset` of a list endpoint; query classes of lists extend it. */
export class PageQuery {
  /** Rows to return (default 100, at most 500). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  /** Rows to skip. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;
}

/** Which rows a request asks for. Queries read `limit + 1` rows, so {@link pageOfRows} knows whether more follow. */
export interface Page {
  limit: number;
  offset: number;
}

export function pageOf(query: PageQuery): Page {
  return { limit: query.limit ?? DEFAULT_PAGE_SIZE, offset: query.offset ?? 0 };
}

/**
 * The rows of the page (at most `limit` of the `limit + 1` read), with a `Link: <…>; rel="next"`
 * header (RFC 8288) when more follow, so list bodies stay plain arrays.
 */
export function pageOfRows<T>(rows: T[], page: Page, req: Request, res: Response): T[] {
  if (rows.length <= page.limit) return rows;
  const next = new URL(req.originalUrl, 'http://service');
  next.searchParams.set('limit', String(page.limit));
  next.searchParams.set('offset', String(page.offset + page.limit));
  res.setHeader('Link', `<${next.pathname}${next.search}>; rel="next"`);
  return rows.slice(0, page.limit);
}
