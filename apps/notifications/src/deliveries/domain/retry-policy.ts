import type { DeliveryFailureReason } from '@ki/contracts';
import { backoffDelay } from '@ki/platform';

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

/**
 * The delay before the next attempt after `failedAttempts` failures: initial · 2^(n−1), at most
 * the maximum, of which a random share of up to half is left out so that receivers that were down
 * are not hit by every delivery at once (`random` returning 1 gives the full delay).
 */
export function retryDelayMs(failedAttempts: number, policy: RetryPolicy, random?: () => number): number {
  return backoffDelay(failedAttempts, { initialMs: policy.retryInitialMs, maxMs: policy.retryMaxMs }, random);
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
 * the failed one; `consecutiveFailures` is the subscriber's run before it; `random` spreads the
 * retry (see retryDelayMs).
 */
export function afterFailedAttempt(
  state: { attempts: number; consecutiveFailures: number },
  policy: RetryPolicy,
  now: Date,
  random?: () => number,
): FailureDecision {
  const consecutiveFailures = state.consecutiveFailures + 1;
  const disableSubscriber = consecutiveFailures >= policy.disableAfterFailures;
  if (state.attempts >= policy.maxAttempts)
    return { consecutiveFailures, disableSubscriber, delivery: { status: 'failed', reason: 'ATTEMPTS_EXHAUSTED' } };
  if (disableSubscriber) return { consecutiveFailures, disableSubscriber, delivery: { status: 'failed', reason: 'SUBSCRIBER_DISABLED' } };
  return {
    consecutiveFailures,
    disableSubscriber,
    delivery: { status: 'pending', nextAttemptAt: new Date(now.getTime() + retryDelayMs(state.attempts, policy, random)) },
  };
}
