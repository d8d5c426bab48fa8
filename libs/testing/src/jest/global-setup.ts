import { resolveInfrastructure, TestEnv } from '../infrastructure';

/** Resolves the broker and database once per Jest run and hands them to the workers. */
export default async function globalSetup(): Promise<void> {
  const infra = await resolveInfrastructure();
  process.env[TestEnv.kafkaBrokers] = infra.kafkaBrokers;
  process.env[TestEnv.postgresUrl] = infra.postgresUrl;
  (globalThis as { kiTestInfrastructure?: typeof infra }).kiTestInfrastructure = infra;
}
