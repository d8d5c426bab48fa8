import { eventually } from '@ki/testing';
import { PollingLoop } from './polling-loop';

function recordingLogger() {
  const lines: { level: 'warn' | 'error'; message: string }[] = [];
  return {
    lines,
    warn: (message: string) => lines.push({ level: 'warn', message }),
    error: (message: string) => lines.push({ level: 'error', message }),
  };
}

const outage = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

describe('polling loop', () => {
  it('reports a database outage as its problem while rounds fail, and clears it after a round succeeds', async () => {
    const logger = recordingLogger();
    const problemsSeen: (string | undefined)[] = [];
    let rounds = 0;
    const loop: PollingLoop = new PollingLoop(
      'test loop',
      1,
      async () => {
        problemsSeen.push(loop.problem);
        if (++rounds <= 2) throw outage();
        return false;
      },
      logger,
    );

    loop.start();
    await eventually(() => expect(rounds).toBeGreaterThanOrEqual(4), { name: 'four rounds' });
    await loop.stop();

    expect(problemsSeen.slice(0, 4)).toEqual([
      undefined,
      'test loop waiting for the database or broker: connect ECONNREFUSED 127.0.0.1:5432',
      'test loop waiting for the database or broker: connect ECONNREFUSED 127.0.0.1:5432',
      undefined,
    ]);
    expect(logger.lines.map((l) => l.level)).toEqual(['warn', 'warn']);
    expect(logger.lines[1].message).toMatch(/^test loop: round failed \(2 in a row\), retrying in \d+ ms: connect ECONNREFUSED/);
  });

  it('logs any other failure as an error and reports it until a round succeeds', async () => {
    const logger = recordingLogger();
    const problemsSeen: (string | undefined)[] = [];
    let rounds = 0;
    const loop: PollingLoop = new PollingLoop(
      'test loop',
      1,
      async () => {
        problemsSeen.push(loop.problem);
        if (++rounds === 1) throw new Error('column "nope" does not exist');
        return false;
      },
      logger,
    );

    loop.start();
    await eventually(() => expect(rounds).toBeGreaterThanOrEqual(3), { name: 'three rounds' });
    await loop.stop();

    expect(problemsSeen.slice(0, 3)).toEqual([undefined, 'test loop failing: column "nope" does not exist', undefined]);
    expect(logger.lines.map((l) => l.level)).toEqual(['error']);
  });
});
