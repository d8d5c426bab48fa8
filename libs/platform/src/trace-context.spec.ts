import { childTraceparent, currentTrace, isValidTraceparent, newTraceparent, runWithTrace, traceFrom, traceIdOf } from './trace-context';

const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('trace context', () => {
  it('continues the trace of a valid parent with a new span', () => {
    const child = childTraceparent(parent);
    expect(isValidTraceparent(child)).toBe(true);
    expect(traceIdOf(child)).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(child).not.toBe(parent);
  });

  it('starts a new trace when the parent is malformed or all zeros', () => {
    expect(isValidTraceparent('00-00000000000000000000000000000000-00f067aa0ba902b7-01')).toBe(false);
    expect(traceIdOf(childTraceparent('garbage'))).not.toBe('garbage');
    expect(isValidTraceparent(newTraceparent())).toBe(true);
  });

  it('keeps a sane correlation id and replaces an unsafe one', () => {
    expect(traceFrom({ correlationId: 'req-42' }).correlationId).toBe('req-42');
    expect(traceFrom({ correlationId: 'x'.repeat(500) }).correlationId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gives a unit of work one span of the parent trace, the same however often it is read', () => {
    const context = traceFrom({ traceparent: parent, causationId: 'evt-1' });
    const span = context.traceparent;
    expect(isValidTraceparent(span)).toBe(true);
    expect(traceIdOf(span)).toBe(traceIdOf(parent));
    expect(span).not.toBe(parent);
    expect(context.traceparent).toBe(span);
    expect(context.causationId).toBe('evt-1');
    expect(traceFrom({ traceparent: parent }).traceparent).not.toBe(span);
  });

  it('is visible to everything called inside runWithTrace, and only there', async () => {
    const context = traceFrom({ traceparent: parent });
    const seen = await runWithTrace(context, async () => {
      await new Promise((r) => setTimeout(r, 1));
      return currentTrace();
    });
    expect(seen).toBe(context);
    expect(currentTrace()).toBeUndefined();
  });
});
