import type { TestInfrastructure } from '../infrastructure';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { kiTestInfrastructure?: TestInfrastructure }).kiTestInfrastructure?.stop();
}
