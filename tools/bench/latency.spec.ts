import { highestSustainedRate, percentile, rateSteps, rateStepsDown, StepResult, summarise, sustained } from './latency';

const step = (over: Partial<StepResult>): StepResult => ({
  rate: 50,
  started: 100,
  completed: 100,
  latencies: Array.from({ length: 100 }, (_, i) => i + 1),
  backlog: [5, 6, 5, 6, 5, 6],
  ...over,
});

describe('percentile', () => {
  it('takes the nearest rank, a value that was measured', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7, 3, 9], 50)).toBe(7);
  });

  it('is the only value of one and NaN of none', () => {
    expect(percentile([42], 99)).toBe(42);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarises p50, p95, p99 and max', () => {
    expect(summarise(Array.from({ length: 200 }, (_, i) => i + 1))).toEqual({ count: 200, p50: 100, p95: 190, p99: 198, max: 200 });
  });
});

describe('sustained', () => {
  it('holds when everything completed fast and the backlog stayed flat', () => {
    expect(sustained(step({}))).toBe(true);
  });

  it('fails when p99 reaches a second', () => {
    expect(sustained(step({ latencies: [...Array(98).fill(10), 1000, 1000] }))).toBe(false);
  });

  it('fails when openings did not complete', () => {
    expect(sustained(step({ completed: 99 }))).toBe(false);
  });

  it('fails when the backlog grows by more than a second of openings', () => {
    expect(sustained(step({ backlog: [10, 12, 40, 60, 90, 120] }))).toBe(false);
    expect(sustained(step({ backlog: [10, 12, 30, 40, 55, 60] }))).toBe(true);
  });

  it('takes the last sustained rate before the first failing step', () => {
    const steps = [step({ rate: 50 }), step({ rate: 75 }), step({ rate: 110, completed: 90 }), step({ rate: 160 })];
    expect(highestSustainedRate(steps)).toBe(75);
    expect(highestSustainedRate([step({ rate: 50, completed: 0 })])).toBe(0);
  });

  it('steps rates up by a factor', () => {
    expect(rateSteps(50, 1.5, 300)).toEqual([50, 75, 113, 170, 255]);
  });

  it('steps rates down by a factor, without the start, to the lowest rate tried', () => {
    expect(rateStepsDown(50, 1.5, 5)).toEqual([33, 22, 15, 10, 7, 5]);
    expect(rateStepsDown(6, 1.5, 5)).toEqual([]);
  });
});
