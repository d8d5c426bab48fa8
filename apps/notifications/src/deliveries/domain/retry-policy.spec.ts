import { afterFailedAttempt, retryDelayMs, RetryPolicy } from './retry-policy';

const policy: RetryPolicy = { retryInitialMs: 30_000, retryMaxMs: 3_600_000, maxAttempts: 15, disableAfterFailures: 30 };
const now = new Date('2016-02-12T10:00:00Z');
/** No jitter: every delay at its full length. */
const full = () => 1;

describe('retrying deliveries', () => {
  it('doubles the delay after each failure up to the maximum', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => retryDelayMs(n, policy, full))).toEqual([
      30_000, 60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000,
    ]);
    expect(retryDelayMs(1000, policy, full)).toBe(3_600_000);
  });

  it('spreads the default attempts over hours', () => {
    const total = Array.from({ length: policy.maxAttempts - 1 }, (_, i) => retryDelayMs(i + 1, policy, full)).reduce((a, b) => a + b, 0);
    expect(total / 3_600_000).toBeGreaterThan(8);
  });

  it('schedules the next attempt after a failure', () => {
    expect(afterFailedAttempt({ attempts: 1, consecutiveFailures: 0 }, policy, now, full)).toEqual({
      consecutiveFailures: 1,
      disableSubscriber: false,
      delivery: { status: 'pending', nextAttemptAt: new Date('2016-02-12T10:00:30Z') },
    });
    expect(afterFailedAttempt({ attempts: 3, consecutiveFailures: 2 }, policy, now, full).delivery).toEqual({
      status: 'pending',
      nextAttemptAt: new Date('2016-02-12T10:02:00Z'),
    });
  });

  it('gives a delivery up after its last attempt', () => {
    expect(afterFailedAttempt({ attempts: 15, consecutiveFailures: 14 }, policy, now, full)).toEqual({
      consecutiveFailures: 15,
      disableSubscriber: false,
      delivery: { status: 'failed', reason: 'ATTEMPTS_EXHAUSTED' },
    });
  });

  it('disables the subscriber when its run of failures reaches the limit, and gives the delivery up', () => {
    expect(afterFailedAttempt({ attempts: 2, consecutiveFailures: 29 }, policy, now, full)).toEqual({
      consecutiveFailures: 30,
      disableSubscriber: true,
      delivery: { status: 'failed', reason: 'SUBSCRIBER_DISABLED' },
    });
    expect(afterFailedAttempt({ attempts: 15, consecutiveFailures: 29 }, policy, now, full)).toMatchObject({
      disableSubscriber: true,
      delivery: { status: 'failed', reason: 'ATTEMPTS_EXHAUSTED' },
    });
  });

  it('spreads retries over the later half of each delay', () => {
    expect(retryDelayMs(3, policy, () => 0)).toBe(60_000);
    expect(retryDelayMs(3, policy, () => 0.5)).toBe(90_000);
    expect(retryDelayMs(1000, policy, () => 0)).toBe(1_800_000);
  });
});
