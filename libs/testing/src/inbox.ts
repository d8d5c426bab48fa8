/** Anything that runs SQL: a TypeORM DataSource or a pg Client. */
interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/**
 * How many events of `eventType` each instance handled, judged from the inbox of their shared
 * database (`handled_by`, the `application_name` the instance connects with; see startTestService).
 */
export async function handledByInstance(db: Queryable, eventType: string): Promise<Record<string, number>> {
  const result = await db.query(
    `SELECT handled_by, count(*)::int AS n FROM messaging_inbox WHERE event_type = $1 GROUP BY handled_by ORDER BY handled_by`,
    [eventType],
  );
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { handled_by: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.handled_by, r.n]));
}
