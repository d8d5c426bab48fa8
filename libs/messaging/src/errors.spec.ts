import { ContractViolation } from '@ki/contracts';
import { classifyFailure, NonRetryableError } from './errors';

describe('classifyFailure', () => {
  it('dead-letters contract violations and declared non-retryable errors at once', () => {
    expect(classifyFailure(new ContractViolation('CONTRACT.INVALID_PAYLOAD', ['x: bad']))).toBe('non-retryable');
    expect(classifyFailure(new NonRetryableError('LEDGER.UNKNOWN_CENTRE', 'no such centre'))).toBe('non-retryable');
  });

  it('treats a refused database connection as an infrastructure outage, also when wrapped', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(classifyFailure(refused)).toBe('infrastructure');
    expect(classifyFailure(new Error('query failed', { cause: refused }))).toBe('infrastructure');
  });

  it('never dead-letters because of deadlocks, failovers or DNS trouble', () => {
    for (const code of ['40P01', '40001', '25006', '53300', '57P01', '08006', 'EAI_AGAIN']) {
      expect(classifyFailure(Object.assign(new Error(code), { code }))).toBe('infrastructure');
    }
  });

  it('retries other errors a bounded number of times', () => {
    expect(classifyFailure(new Error('deadlock detected'))).toBe('retryable');
  });
});
