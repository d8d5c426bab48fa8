import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable, SetMetadata, UnauthorizedException } from '@nestjs/common';
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

/** Marks an endpoint as needing an API key with `role`. Endpoints without it are open. */
export const RequireRole = (role: Role) => SetMetadata(REQUIRED_ROLE, role);

/**
 * The keys of a service from its `<SERVICE>_API_KEYS` variable in `env`. When it is unset, one
 * development key with `roles` applies, except with NODE_ENV=production: the development keys are
 * published in the README, so a production service without its own keys refuses to start.
 */
export function apiKeysOrDevelopment<E extends ServiceEnv>(
  env: E,
  variable: keyof E & string,
  developmentKey: string,
  roles: Role[],
): ApiKey[] {
  const spec = env[variable];
  if (typeof spec === 'string' && spec) return parseApiKeys(spec);
  if (env.NODE_ENV === 'production')
    throw new ConfigError([`${variable} must be set when NODE_ENV=production (the development key is published)`]);
  return [{ name: 'development', key: developmentKey, roles }];
}

/**
 * Parses `name:key:role+role,name:key:role`. Keys must be at least 16 characters.
 * Throws naming the broken entry.
 */
export function parseApiKeys(spec: string): ApiKey[] {
  return spec
    .split(',')
    .filter((entry) => entry.trim())
    .map((entry) => {
      // Roles contain colons themselves (registry:write): everything after the key is the role list.
      const [name, key, ...rest] = entry.trim().split(':');
      const roles = rest.join(':');
      if (!name || !key || key.length < 16 || !roles)
        throw new Error(`API key entry "${name ?? entry}" must be name:key:role+role with a key of 16+ characters`);
      return { name, key, roles: roles.split('+') };
    });
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

/** The key {@link ApiKeyGuard} accepted for this request (on endpoints that require a role): who acts, with which roles. */
export function acceptedApiKey(req: Request): ApiKey | undefined {
  return acceptedKeys.get(req);
}

/** 401 without a known key, 403 with a key that lacks the role. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(API_KEYS) private readonly keys: ApiKey[],
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const role = this.reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, [context.getHandler(), context.getClass()]);
    if (!role) return true;
    const req = context.switchToHttp().getRequest<Request>();
    const presented = presentedKey(req);
    const key = presented ? this.keys.find((k) => same(k.key, presented)) : undefined;
    if (!key) throw new UnauthorizedException('an API key is required: send it as X-API-Key or Authorization: Bearer');
    if (!key.roles.includes(role)) throw new ForbiddenException(`API key "${key.name}" lacks the role ${role}`);
    acceptedKeys.set(req, key);
    return true;
  }
}
