// npm run registry:import-history [-- path/to/openings.csv]
// Imports historic openings through the registry's own handlers into the registry database
// (DATABASE_URL, default ki_registry), then sends the resulting events before it exits.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Messaging } from '@ki/messaging';
import { createRootLogger } from '@ki/platform';
import { DataSource } from 'typeorm';
import { OpenCentreHandler } from '../centres/open-centre/open-centre.handler';
import { RegisterCentreHandler } from '../centres/register-centre/register-centre.handler';
import { loadRegistryConfig } from '../config';
import { RegistryModule } from '../registry.module';
import { importHistory, readHistory, SHIPPED_HISTORY } from './import-history';

async function main() {
  const config = loadRegistryConfig(process.env, { serving: false });
  const logger = createRootLogger({ ...config, logLevel: 'warn' });
  const file = process.argv[2] ?? SHIPPED_HISTORY;
  const openings = readHistory(file);
  const app = await NestFactory.createApplicationContext(RegistryModule.forRoot(config, logger), { logger: false });
  try {
    const result = await importHistory(app.get(DataSource), app.get(RegisterCentreHandler), app.get(OpenCentreHandler), openings);
    const messaging = app.get(Messaging);
    await messaging.ensureTopics();
    messaging.startRelay();
    const dataSource = app.get(DataSource);
    for (;;) {
      const [{ unsent }] = await dataSource.query(`SELECT count(*)::int AS unsent FROM messaging_outbox WHERE sent_at IS NULL`);
      if (unsent === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const assumed = openings.filter((o) => o.dateStatus === 'assumed').length;
    console.log(
      `imported ${file}: ${result.opened} centres opened, ${result.skipped} already there; ${assumed} of ${openings.length} dates are assumed`,
    );
  } finally {
    await app.close();
  }
}

main().catch((err: Error) => {
  console.error(`history import failed: ${err.message}`);
  process.exit(1);
});
