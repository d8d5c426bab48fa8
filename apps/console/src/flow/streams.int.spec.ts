import { eventually, startTestService, TestService } from '@ki/testing';
import { consoleService } from '../service';

const READER = 'console-reader-0123456789';
const OTHER = 'console-other-0123456789';

describe('server-sent event streams', () => {
  let consoleApp: TestService;
  const open: AbortController[] = [];

  beforeAll(async () => {
    consoleApp = await startTestService(consoleService, {
      env: { CONSOLE_API_KEYS: `reader:${READER}:console:read,other:${OTHER}:console:read`, CONSOLE_MAX_STREAMS_PER_KEY: '2' },
    });
  });

  afterAll(async () => {
    for (const stream of open) stream.abort();
    await consoleApp.close();
  });

  /** Opens a stream and answers its status; a 200 stream stays open until aborted. */
  const openStream = async (key: string) => {
    const controller = new AbortController();
    open.push(controller);
    const res = await fetch(`${consoleApp.url}/api/flow/stream`, { headers: { 'x-api-key': key }, signal: controller.signal });
    if (res.status !== 200) controller.abort();
    return { status: res.status, close: () => controller.abort() };
  };

  it('caps the streams one key holds open, leaves other keys alone and frees a slot when a stream closes', async () => {
    const first = await openStream(READER);
    const second = await openStream(READER);
    const third = await openStream(READER);
    const otherKey = await openStream(OTHER);

    expect([first.status, second.status, third.status, otherKey.status]).toEqual([200, 200, 429, 200]);

    first.close();
    await eventually(async () => expect((await openStream(READER)).status).toBe(200), { name: 'slot freed', timeout: 10_000 });
  });
});
