import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  createTestDatabase,
  processExited,
  repoRoot,
  ServiceProcess,
  startBuiltService,
  TestDatabase,
  testInfrastructure,
  uniqueTopicPrefix,
  waitUntilHealthy,
} from '@ki/testing';

const APPS = ['registry', 'funding-ledger', 'notifications', 'console'];

function build(...args: string[]): void {
  const res = spawnSync(process.execPath, ['tools/build/build.mjs', ...args], { cwd: repoRoot, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`build ${args.join(' ')} failed:\n${res.stdout}${res.stderr}`);
}

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

describe('the production build', () => {
  const databases: Record<string, TestDatabase> = {};
  const services: ServiceProcess[] = [];

  beforeAll(() => {
    for (const app of APPS) build('app', app);
    build('cli');
  });

  afterAll(async () => {
    for (const running of services) if (running.child.exitCode === null) running.child.kill('SIGKILL');
    await Promise.all(services.map((s) => processExited(s.child)));
    for (const db of Object.values(databases)) await db.drop();
  });

  it.each(APPS)('emits JavaScript only for %s, with the data files its code reads', (app) => {
    const files = filesUnder(path.join(repoRoot, 'dist/apps', app)).map((f) => path.relative(path.join(repoRoot, 'dist/apps', app), f));
    expect(files).toContain('main.js');
    expect(files.filter((f) => f.endsWith('.ts'))).toEqual([]);
    const assets: Record<string, string[]> = {
      registry: ['apps/registry/src/territories/data/territories-nrw.csv', 'apps/registry/src/history/data/openings-2013-2016.csv'],
      'funding-ledger': ['apps/funding-ledger/src/programmes/nrw-programmes.json'],
      notifications: [
        'apps/notifications/src/announcements/templates/opening-text.eta',
        'apps/notifications/src/announcements/templates/atom-feed.eta',
      ],
      console: ['apps/console/src/ui/index.html', 'apps/console/src/ui/console.js', 'apps/console/src/ui/console.css'],
    };
    expect(files).toEqual(expect.arrayContaining(assets[app]));
  });

  it('starts every built app with plain node against the real broker and database; each answers /health with 200', async () => {
    const common = { KAFKA_BROKERS: testInfrastructure().kafkaBrokers.join(','), KAFKA_TOPIC_PREFIX: uniqueTopicPrefix('built') };
    for (const name of ['registry', 'ledger', 'notifications', 'console']) databases[name] = await createTestDatabase(`built_${name}`);
    services.push(
      await startBuiltService('registry', { ...common, DATABASE_URL: databases.registry.url }),
      await startBuiltService('funding-ledger', { ...common, DATABASE_URL: databases.ledger.url }),
      await startBuiltService('notifications', { ...common, DATABASE_URL: databases.notifications.url }),
    );
    await waitUntilHealthy(services);
    const console = await startBuiltService('console', {
      ...common,
      DATABASE_URL: databases.console.url,
      CONSOLE_REGISTRY_DATABASE_URL: databases.registry.url,
      CONSOLE_LEDGER_DATABASE_URL: databases.ledger.url,
      CONSOLE_NOTIFICATIONS_DATABASE_URL: databases.notifications.url,
    });
    services.push(console);
    await waitUntilHealthy([console]);
    // The console's page comes from the copied static files.
    const page = await fetch(`${console.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    // The ledger read its programmes from the copied JSON file.
    const programmes = await fetch(`${services[1].url}/programmes`);
    expect(programmes.status).toBe(200);
    expect(JSON.stringify(await programmes.json())).toContain('MAIS');
  });

  it('builds the ki command line to a runnable bin', () => {
    const bin = path.join(repoRoot, 'dist/tools/cli/ki.js');
    expect(fs.statSync(bin).mode & 0o111).not.toBe(0);
    const res = spawnSync(bin, ['--help'], { cwd: '/', encoding: 'utf8' });
    expect(res.status).toBe(0);
    expect(res.stdout).toContain('ki — the operators');
    expect(filesUnder(path.join(repoRoot, 'dist/tools/cli')).filter((f) => f.endsWith('.ts'))).toEqual([]);
  });
});
