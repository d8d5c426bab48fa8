import { CliError } from './errors';
import { replayFilter } from './commands/dead-letters';
import { resetTarget } from './commands/groups';

describe('arguments of the operations commands', () => {
  it('turns --to into the reset target: the ends, an offset or a time', () => {
    expect(resetTarget('earliest', '')).toEqual({ to: 'earliest' });
    expect(resetTarget('latest', '')).toEqual({ to: 'latest' });
    expect(resetTarget('42', '')).toEqual({ to: 'offset', offset: '42' });
    expect(resetTarget('2026-11-30T08:00:00+01:00', '')).toEqual({ to: 'timestamp', timestamp: '2026-11-30T07:00:00.000Z' });
  });

  it('refuses a --to that is none of them, with exit code 2', () => {
    expect(() => resetTarget('yesterday', 'usage')).toThrow(expect.objectContaining({ exitCode: 2 }) as CliError);
    expect(() => resetTarget(undefined, 'usage')).toThrow('--to is required');
  });

  it('turns --filter KEY=VALUE entries into the API filter, group as consumerGroup and times in UTC', () => {
    expect(replayFilter(['reason=CONTRACT.INVALID_PAYLOAD', 'group=funding-ledger', 'from=2026-11-30T09:00:00+01:00'], '')).toEqual({
      reason: 'CONTRACT.INVALID_PAYLOAD',
      consumerGroup: 'funding-ledger',
      from: '2026-11-30T08:00:00.000Z',
    });
  });

  it('refuses an unknown filter key, an empty value and a time that is none', () => {
    expect(() => replayFilter(['colour=red'], '')).toThrow('KEY one of reason, type, group, from, to');
    expect(() => replayFilter(['reason='], '')).toThrow('got "reason="');
    expect(() => replayFilter(['to=soon'], '')).toThrow('--filter to= must be a time');
  });
});
