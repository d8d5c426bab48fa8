/** Where a reset moves a group's committed offsets. */
export type ResetTarget =
  | { to: 'earliest' }
  | { to: 'latest' }
  /** The first offset at or after this time (ISO 8601), the end where there is none. */
  | { to: 'timestamp'; timestamp: string }
  /** The same offset on every partition; it must lie between the partition's start and end. */
  | { to: 'offset'; offset: string };

/** One partition of a topic the group reads: its committed offset, its range and the offset found for the target time. */
export interface PartitionPosition {
  topic: string;
  partition: number;
  /** -1 when the group never committed on it. */
  committed: string;
  /** First offset still on the broker. */
  low: string;
  /** Offset of the next message to be written. */
  high: string;
  /** For a `timestamp` reset: the broker's answer, -1 when no message is that new. */
  atTimestamp?: string;
}

/** One partition's move, current → new. */
export interface OffsetMove {
  topic: string;
  partition: number;
  from: string;
  to: string;
}

/** A partition the target cannot be applied to, and why. */
export interface ResetProblem {
  topic: string;
  partition: number;
  problem: string;
}

/** The moves a reset makes (by topic and partition), or why it cannot; pure, so the dry run and the reset share one answer. */
export function planOffsetReset(target: ResetTarget, positions: PartitionPosition[]): { moves: OffsetMove[]; problems: ResetProblem[] } {
  const moves: OffsetMove[] = [];
  const problems: ResetProblem[] = [];
  const ordered = [...positions].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  for (const p of ordered) {
    const at = { topic: p.topic, partition: p.partition };
    let to: string;
    switch (target.to) {
      case 'earliest':
        to = p.low;
        break;
      case 'latest':
        to = p.high;
        break;
      case 'timestamp':
        to = p.atTimestamp === undefined || BigInt(p.atTimestamp) < 0n ? p.high : p.atTimestamp;
        break;
      case 'offset':
        if (BigInt(target.offset) < BigInt(p.low) || BigInt(target.offset) > BigInt(p.high)) {
          problems.push({ ...at, problem: `offset ${target.offset} is outside ${p.low}..${p.high}` });
          continue;
        }
        to = target.offset;
        break;
    }
    moves.push({ ...at, from: p.committed, to });
  }
  return { moves, problems };
}
