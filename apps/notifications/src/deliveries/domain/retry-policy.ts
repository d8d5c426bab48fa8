import type { DeliveryFailureReason } from '@ki/contracts';

/** When to try a failed delivery again, when to give it up, and when to disable its subscriber. */
export interface RetryPolicy {
  /** Delay after the first failed attempt; it doubles with each further one. */
  retryInitialMs: number;
  /** Longest delay between two attempts. */
  retryMaxMs: number;
  /** Attempts of one delivery before it is given up. */
  maxAttempts: number;
  /** Consecutive failed attempts of one subscriber (across deliveries) after which it is disabled. */
  disableAfterFailures: number;
}

/** The delay before the next attempt after `failedAttempts` failures: initial · 2^(n−1), at most the maximum. */
export function retryDelayMs(failedAttempts: number, policy: RetryPolicy): number {
  const exponent = Math.max(0, failedAttempts - 1);
  // 2^exponent overflows to Infinity for huge counts, which the cap absorbs.
  return Math.min(policy.retryMaxMs, policy.retryInitialMs * 2 ** exponent);
}

/** What a failed attempt leads to. */
export interface FailureDecision {
  /** The subscriber's run of failures including this one. */
  consecutiveFailures: number;
  /** The run reached the limit: the subscriber is disabled and its pending deliveries given up. */
  disableSubscriber: boolean;
  delivery: { status: 'pending'; nextAttemptAt: Date } | { status: 'failed'; reason: DeliveryFailureReason };
}

/**
 * Decides what follows a failed attempt. `attempts` counts the attempts of the delivery including
 * the failed one; `consecutiveFailures` is the subscriber's run before it.
 */
export function afterFailedAttempt(
  state: { attempts: number; consecutiveFailures: number },
  policy: RetryPolicy,
  now: Date,
): FailureDecision {
  const consecutiveFailures = state.consecutiveFailures + 1;
  const disableSubscriber = consecutiveFailures >= policy.disableAfterFailures;
  if (state.attempts >= policy.maxAttempts)
    return { consecutiveFailures, disableSubscriber, delivery: { status: 'failed', reason: 'ATTEMPTS_EXHAUSTED' } };
  if (disableSubscriber) return { consecutiveFailures, disableSubscriber, delivery: { status: 'failed', reason: 'SUBSCRIBER_DISABLED' } };
  return {
    consecutiveFailures,
    disableSubscriber,
    delivery: { status: 'pending', nextAttemptAt: new Date(now.getTime() + retryDelayMs(state.attempts, policy)) },
  };
}
