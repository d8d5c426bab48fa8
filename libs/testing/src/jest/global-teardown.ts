import { destroyLeftoverBrokers } from '../leftover-brokers';
import type { TestInfrastructure } from '../infrastructure';

export default async function globalTeardown(): Promise<void> {
  await destroyLeftoverBrokers();
  await (globalThis as { kiTestInfrastructure?: TestInfrastructure }).kiTestInfrastructure?.stop();
}
