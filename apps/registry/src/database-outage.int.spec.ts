import { startTcpProxy, startTestService, TcpProxy, TestService, testInfrastructure } from '@ki/testing';
import { registryService } from './service';

describe('the registry while its database cannot be reached', () => {
  let proxy: TcpProxy;
  let registry: TestService;

  beforeAll(async () => {
    const { hostname, port } = new URL(testInfrastructure().postgresUrl);
    proxy = await startTcpProxy(hostname, Number(port || 5432));
    registry = await startTestService(registryService, {
      databaseUrlVia: (url) => {
        const proxied = new URL(url);
        proxied.hostname = '127.0.0.1';
        proxied.port = String(proxy.port);
        return proxied.toString();
      },
    });
  });

  afterAll(async () => {
    proxy.restore();
    await registry.close();
    await proxy.close();
  });

  it('answers 503 with Retry-After, not 500, and answers again once it is back', async () => {
    expect((await fetch(`${registry.url}/territories`)).status).toBe(200);
    proxy.cut();
    try {
      const res = await fetch(`${registry.url}/centres`);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('2');
      expect(await res.json()).toMatchObject({ code: 'SERVICE.DATABASE_UNAVAILABLE' });
    } finally {
      proxy.restore();
    }
    expect((await fetch(`${registry.url}/centres`)).status).toBe(200);
  });
});
