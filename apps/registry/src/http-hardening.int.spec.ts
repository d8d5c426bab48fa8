import { startTestService, TestService } from '@ki/testing';
import { registryService } from './service';

describe('the HTTP API of a service', () => {
  let registry: TestService;

  beforeAll(async () => {
    registry = await startTestService(registryService, { env: { HTTP_RATE_LIMIT_PER_MINUTE: '5' } });
  });

  afterAll(() => registry.close());

  it('sends security headers with a content security policy', async () => {
    const res = await fetch(`${registry.url}/health/live`);

    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('answers 429 to a client over its rate limit, but never to health probes', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await fetch(`${registry.url}/territories`)).status);
    const health = await fetch(`${registry.url}/health/live`);

    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    expect(health.status).toBe(200);
  });
});
