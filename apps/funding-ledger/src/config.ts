import { IsOptional, IsString } from 'class-validator';
import { ApiKey, apiKeysOrDevelopment, serviceConfig, ServiceConfig, ServiceEnv, validateEnv } from '@ki/platform';
import { DEFAULT_PROGRAMMES_FILE, loadProgrammes, Programme } from './programmes/programmes';

/** Development key when LEDGER_API_KEYS is unset; `npm start` prints it. Never use it in production. */
export const DEVELOPMENT_LEDGER_KEY = 'ki-dev-ledger-write-key';

class LedgerEnv extends ServiceEnv {
  /** API keys as name:key:role+role, comma-separated; the rollover needs ledger:write, the what-if dry run ledger:plan. */
  @IsOptional()
  @IsString()
  LEDGER_API_KEYS?: string;

  /** Programme configuration (JSON); defaults to the shipped one. */
  @IsOptional()
  @IsString()
  LEDGER_PROGRAMMES_FILE?: string;
}

export interface LedgerConfig extends ServiceConfig {
  apiKeys: ApiKey[];
  programmes: Programme[];
}

/** The funding ledger's configuration, validated once at boot. */
export function loadLedgerConfig(env: NodeJS.ProcessEnv): LedgerConfig {
  const parsed = validateEnv(LedgerEnv, env);
  return {
    ...serviceConfig({ service: 'funding-ledger', port: 3002, database: 'ki_ledger' }, parsed),
    apiKeys: apiKeysOrDevelopment(parsed, 'LEDGER_API_KEYS', DEVELOPMENT_LEDGER_KEY, ['ledger:write', 'ledger:plan']),
    programmes: loadProgrammes(parsed.LEDGER_PROGRAMMES_FILE ?? DEFAULT_PROGRAMMES_FILE),
  };
}
