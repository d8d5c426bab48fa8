import { createTestDatabase, isolatedKafkaEnv, TestDatabase, testInfrastructure } from './isolation';
import { processExited, ServiceProcess, startServiceProcess, waitUntilHealthy } from './processes';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';

/** The four services as processes on one topic prefix, and a headless Chromium with a fresh profile. */
export interface BrowserStack {
  url(service: 'registry' | 'funding-ledger' | 'notifications' | 'console'): string;
  page: Page;
  stop(): Promise<void>;
}

/**
 * Starts registry, funding ledger, notifications and console (with `consoleEnv`) as processes,
 * each with a fresh database, waits until all are healthy, then opens Debian's Chromium.
 */
export async function startBrowserStack(
  topicPrefix: string,
  label: string,
  consoleEnv: Record<string, string> = {},
): Promise<BrowserStack> {
  const databases: Record<string, TestDatabase> = {};
  const services: ServiceProcess[] = [];
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), `ki-${label}-chromium-`));
  let browser: BrowserContext | undefined;
  const start = async (name: string, script: string, env: Record<string, string>) =>
    services.push(
      await startServiceProcess(name, script, {
        KAFKA_BROKERS: testInfrastructure().kafkaBrokers.join(','),
        ...isolatedKafkaEnv(topicPrefix),
        ...env,
      }),
    );
  const stop = async () => {
    await browser?.close();
    for (const running of services) if (running.child.exitCode === null) running.child.kill('SIGTERM');
    await Promise.all(services.map((s) => processExited(s.child)));
    for (const db of Object.values(databases)) await db.drop();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  };
  try {
    for (const name of ['registry', 'ledger', 'notifications', 'console']) databases[name] = await createTestDatabase(`${label}_${name}`);
    await start('registry', 'apps/registry/src/main.ts', { DATABASE_URL: databases.registry.url });
    await start('funding-ledger', 'apps/funding-ledger/src/main.ts', { DATABASE_URL: databases.ledger.url });
    await start('notifications', 'apps/notifications/src/main.ts', {
      DATABASE_URL: databases.notifications.url,
      NOTIFICATIONS_FUNDING_WAIT_MS: '600000',
      NOTIFICATIONS_POLL_INTERVAL_MS: '100',
    });
    await start('console', 'apps/console/src/main.ts', {
      DATABASE_URL: databases.console.url,
      CONSOLE_REGISTRY_DATABASE_URL: databases.registry.url,
      CONSOLE_LEDGER_DATABASE_URL: databases.ledger.url,
      CONSOLE_NOTIFICATIONS_DATABASE_URL: databases.notifications.url,
      ...consoleEnv,
    });
    await waitUntilHealthy(services);
    // A fresh profile of its own (the --user-data-dir of this run); without the background-networking flags Chromium keeps dialling out.
    // Loaded here, so that suites without a browser do not load the driver with the rest of the harness.
    const { chromium } = await import('playwright-core');
    browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: '/usr/bin/chromium',
      viewport: { width: 1400, height: 900 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = browser.pages()[0] ?? (await browser.newPage());
    return { url: (name) => (services.find((s) => s.name === name) as ServiceProcess).url, page, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
