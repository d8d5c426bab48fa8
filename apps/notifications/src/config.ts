import { serviceConfig, ServiceConfig, ServiceEnv, validateEnv } from '@ki/platform';

/** The notifications service's configuration, validated once at boot. */
export function loadNotificationsConfig(env: NodeJS.ProcessEnv): ServiceConfig {
  return serviceConfig({ service: 'notifications', port: 3003, database: 'ki_notifications' }, validateEnv(ServiceEnv, env));
}
