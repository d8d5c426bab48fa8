import { backoffDelay } from './backoff';

const policy = { initialMs: 100, maxMs: 5000 };

describe('backoffDelay', () => {
  it('doubles the delay with each attempt', () => {
    expect([1, 2, 3, 4].map((a) => backoffDelay(a, policy, () => 1))).toEqual([100, 200, 400, 800]);
  });

  it('never exceeds the maximum', () => {
    expect(backoffDelay(30, policy, () => 1)).toBe(5000);
  });

  it('keeps at least half of the delay whatever the jitter', () => {
    expect(backoffDelay(3, policy, () => 0)).toBe(200);
  });
});
