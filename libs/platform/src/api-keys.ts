import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  Logger,
  SetMetadata,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { ConfigError, ServiceEnv } from './config';

/** A role an API key may carry, named `<service>:<permission>` (e.g. registry:write, ledger:write). */
export type Role = string;

/** One configured key: who uses it and what it may do. */
export interface ApiKey {
  name: string;
  key: string;
  roles: string[];
}

export const API_KEYS = Symbol('API_KEYS');
const REQUIRED_ROLE = 'ki:required-role';
const PUBLIC = 'ki:public';

/** Marks an endpoint (or every endpoint of a controller) as needing an API key with `role`. */
export const RequireRole = (role: Role) => SetMetadata(REQUIRED_ROLE, role);

/**
 * Marks an endpoint (or a controller) as open to callers without a key. Endpoints marked neither
 * public nor with a role are refused to everyone: access is denied by default.
 */
export const Public = () => SetMetadata(PUBLIC, true);

/** Who may call an endpoint: anyone, a key with a role, or (marked neither) nobody. */
export type RouteAccess = { public: true } | { role: Role } | { denied: true };

/** The access an endpoint declares; a role on the method wins over `@Public()` on its controller and vice versa. */
export function routeAccess(reflector: Reflector, handler: object, controller: object): RouteAccess {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  const targets = [handler, controller] as Function[];
  for (const target of targets) {
    const role = reflector.get<Role | undefined>(REQUIRED_ROLE, target);
    if (role) return { role };
    if (reflector.get<boolean | undefined>(PUBLIC, target)) return { public: true };
  }
  return { denied: true };
}

/** NODE_ENV values under which the published development keys apply. */
const DEVELOPMENT_ENVIRONMENTS = ['development', 'test'];

/**
 * The keys of a service from its `<SERVICE>_API_KEYS` variable in `env`. When it is unset, one
 * development key with `roles` applies only if NODE_ENV is `development` or `test` (`npm start`
 * and `npm test` set it): the development keys are published in the README, so any other service
 * without its own keys refuses to start.
 */
export function apiKeysOrDevelopment<E extends ServiceEnv>(
  env: E,
  variable: keyof E & string,
  developmentKey: string,
  roles: Role[],
): ApiKey[] {
  const spec = env[variable];
  if (typeof spec === 'string' && spec) return parseApiKeys(spec);
  if (!DEVELOPMENT_ENVIRONMENTS.includes(env.NODE_ENV ?? ''))
    throw new ConfigError([
      `${variable} must be set (name:key:role+role,…): without it only NODE_ENV=development or test may use the published development key (NODE_ENV is ${env.NODE_ENV ?? 'unset'})`,
    ]);
  return [{ name: DEVELOPMENT_KEY_NAME, key: developmentKey, roles }];
}

/** Name of the published development key; the service logs at start when it is active. */
export const DEVELOPMENT_KEY_NAME = 'development';

/**
 * Parses `name:key:role+role,name:key:role`. Keys must be at least 16 characters.
 * Throws naming the broken entry.
 */
export function parseApiKeys(spec: string): ApiKey[] {
  const keys = spec
    .split(',')
    .filter((entry) => entry.trim())
    .map((entry, index) => {
      // Roles contain colons themselves (registry:write): everything after the key is the role list.
      const [name, key, ...rest] = entry.trim().split(':');
      const roles = rest.join(':');
      // An entry without a colon may be a bare key: name it by its position, never by its text.
      const shown = key === undefined ? `number ${index + 1}` : `"${name}"`;
      if (!name || !key || key.length < 16 || !roles)
        throw new Error(`API key entry ${shown} must be name:key:role+role with a key of 16+ characters`);
      return { name, key, roles: roles.split('+') };
    });
  // The name identifies the caller (idempotency scopes, replay records): it must be unique.
  const names = keys.map((k) => k.name);
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated) throw new Error(`API key name "${repeated}" is used twice: each key needs a name of its own`);
  return keys;
}

function presentedKey(req: Request): string | undefined {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string') return header;
  const auth = req.headers.authorization;
  return auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const acceptedKeys = new WeakMap<object, ApiKey>();

/** The key {@link ApiKeyGuard} accepted for this request (a role's endpoint, or a public one called with a known key): who acts, with which roles. */
export function acceptedApiKey(req: Request): ApiKey | undefined {
  return acceptedKeys.get(req);
}

/**
 * Deny by default: `@Public()` endpoints are open; `@RequireRole(role)` ones answer 401 without a
 * known key and 403 with a key that lacks the role; endpoints marked neither answer 403 to everyone.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(API_KEYS) private readonly keys: ApiKey[],
  ) {
    if (keys.some((k) => k.name === DEVELOPMENT_KEY_NAME))
      new Logger('ApiKeys').log(
        'development API keys are active: the key published in the README is accepted (NODE_ENV is development or test)',
      );
  }

  canActivate(context: ExecutionContext): boolean {
    // Kafka handlers are guarded by the broker's ACLs, not by API keys.
    if (context.getType() !== 'http') return true;
    const access = routeAccess(this.reflector, context.getHandler(), context.getClass());
    if ('denied' in access) throw new ForbiddenException('this endpoint is not open to any role');
    const req = context.switchToHttp().getRequest<Request>();
    const presented = presentedKey(req);
    const key = presented ? this.keys.find((k) => same(k.key, presented)) : undefined;
    if ('public' in access) {
      // A public read may show more to a known key (e.g. the registry's contact e-mails).
      if (key) acceptedKeys.set(req, key);
      return true;
    }
    const { role } = access;
    if (!presented) throw new UnauthorizedException('an API key is required: send it as X-API-Key or Authorization: Bearer');
    if (!key) throw new UnauthorizedException('the API key is not known to this service: send one of its keys');
    if (!key.roles.includes(role)) throw new ForbiddenException(`API key "${key.name}" lacks the role ${role}`);
    acceptedKeys.set(req, key);
    return true;
  }
}
