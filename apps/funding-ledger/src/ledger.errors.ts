/** Stable codes of the ledger's refusals of a request. */
export type LedgerErrorCode = 'LEDGER.NO_PROGRAMME_FOR_YEAR' | 'LEDGER.YEAR_TOO_FAR_AHEAD' | 'LEDGER.UNKNOWN_CENTRE';

/** A request that breaks a ledger rule; nothing was booked. Only controllers map it to HTTP. */
export class LedgerError extends Error {
  override readonly name = 'LedgerError';
  constructor(
    readonly code: LedgerErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Codes of the ledger's own broken-invariant failures, which retrying cannot mend (dead-lettered at once). */
export const LedgerInvariant = {
  brokenBooking: 'LEDGER.BROKEN_INVARIANT',
  programmeNotConfigured: 'LEDGER.PROGRAMME_NOT_CONFIGURED',
} as const;
