import { serviceConfig, ServiceConfig, ServiceEnv, validateEnv } from '@ki/platform';

/** The funding ledger's configuration, validated once at boot. */
export function loadLedgerConfig(env: NodeJS.ProcessEnv): ServiceConfig {
  return serviceConfig({ service: 'funding-ledger', port: 3002, database: 'ki_ledger' }, validateEnv(ServiceEnv, env));
}
