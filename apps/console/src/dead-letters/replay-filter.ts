/** Which dead letters a bulk replay takes: each criterion given must match; the time range bounds `failedAt`. */
export interface ReplayFilter {
  /** Error code, e.g. CONTRACT.INVALID_PAYLOAD. */
  reason?: string;
  /** ce_type of the failed message. */
  type?: string;
  consumerGroup?: string;
  /** Failed at or after this time. */
  failedFrom?: Date;
  /** Failed before this time. */
  failedTo?: Date;
}

/** What the filter needs of a dead letter, whatever it was read from. */
export interface ReplayCandidate {
  partition: number;
  offset: string;
  id?: string;
  type?: string;
  deadLetter?: { errorCode: string; consumerGroup: string; failedAt: string };
}

/** The dead letters of a batch: those to send, and those whose group already handled the event id. */
export interface ReplayPlan<T> {
  toSend: T[];
  alreadyHandled: T[];
}

export function matchesReplayFilter(letter: ReplayCandidate, filter: ReplayFilter): boolean {
  const dl = letter.deadLetter;
  if (!dl) return false;
  const failedAt = Date.parse(dl.failedAt);
  return (
    (!filter.reason || dl.errorCode === filter.reason) &&
    (!filter.type || letter.type === filter.type) &&
    (!filter.consumerGroup || dl.consumerGroup === filter.consumerGroup) &&
    (!filter.failedFrom || failedAt >= filter.failedFrom.getTime()) &&
    (!filter.failedTo || failedAt < filter.failedTo.getTime())
  );
}

/**
 * The dead letters matching `filter`, oldest first, one per event id and consumer group (a group
 * that dead-lettered the same event twice gets it back once), split by whether the group has
 * already handled the event (`handled(group, id)`): replaying those would change nothing.
 */
export function planReplay<T extends ReplayCandidate>(
  letters: readonly T[],
  filter: ReplayFilter,
  handled: (group: string, eventId: string) => boolean,
): ReplayPlan<T> {
  const seen = new Set<string>();
  const plan: ReplayPlan<T> = { toSend: [], alreadyHandled: [] };
  for (const letter of letters) {
    if (!matchesReplayFilter(letter, filter)) continue;
    const group = letter.deadLetter?.consumerGroup ?? '';
    const identity = letter.id ? `${group}/${letter.id}` : `${letter.partition}/${letter.offset}`;
    if (seen.has(identity)) continue;
    seen.add(identity);
    (letter.id && handled(group, letter.id) ? plan.alreadyHandled : plan.toSend).push(letter);
  }
  return plan;
}
