/** Where the registry's rules get "today" from; injected so that tests and the rules never read the system time themselves. */
export interface Clock {
  /** Today's calendar date in Germany (Europe/Berlin), YYYY-MM-DD. */
  today(): string;
}

/** Injection token of the clock. */
export const CLOCK = Symbol('CLOCK');

const BERLIN_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit', day: '2-digit' });

/** The system clock: today's date in Germany. */
export const systemClock: Clock = { today: () => BERLIN_DATE.format(new Date()) };
