import { INestApplication, INestApplicationContext, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ModulesContainer, Reflector } from '@nestjs/core';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';
import { routeAccess } from './api-keys';

/** Name of the security scheme every role's endpoint refers to. */
export const API_KEY_SCHEME = 'api-key';

type Parameter = { name: string; in: 'path' | 'query'; required: boolean; schema: Record<string, unknown>; description?: string };
type Operation = {
  parameters?: (Parameter | { $ref: string })[];
  responses: Record<string, { description: string }>;
  security?: Record<string, string[]>[];
  requestBody?: unknown;
};

/** One HTTP route of a controller: where Nest serves it (`/centres/{id}`), its method and the handler behind it. */
export interface HttpRoute {
  path: string;
  method: RequestMethod;
  handler: object;
  controller: { prototype: object };
  /** The handler's method name on the controller. */
  name: string;
}

function joinPath(...parts: string[]): string {
  const segments = parts
    .flatMap((p) => p.split('/'))
    .filter(Boolean)
    .map((segment) => (segment.startsWith(':') ? `{${segment.slice(1)}}` : segment));
  return `/${segments.join('/')}`;
}

/** Every HTTP route of the application's controllers (of every module), read from Nest's module container. */
export function httpRoutes(app: INestApplicationContext): HttpRoute[] {
  const result: HttpRoute[] = [];
  for (const module of app.get(ModulesContainer).values())
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as { prototype: Record<string, unknown> } | null;
      if (!controller) continue;
      const controllerPaths = [Reflect.getMetadata(PATH_METADATA, controller) ?? ''].flat() as string[];
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = controller.prototype[name];
        if (typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue; // a Kafka handler or a plain method
        for (const controllerPath of controllerPaths)
          for (const path of [Reflect.getMetadata(PATH_METADATA, handler) ?? ''].flat() as string[])
            result.push({ path: joinPath(controllerPath, path), method, handler, controller, name });
      }
    }
  return result;
}

/** JSON schema of a DTO property from its class-validator rules and its design type. */
function propertySchema(dto: object, property: string, rules: string[]): Record<string, unknown> {
  if (rules.includes('isInt')) return { type: 'integer' };
  if (rules.includes('isNumber')) return { type: 'number' };
  if (rules.includes('isBoolean')) return { type: 'boolean' };
  if (rules.includes('isIn')) return { type: 'string' };
  const type = Reflect.getMetadata('design:type', (dto as { prototype: object }).prototype, property);
  if (type === Number) return { type: 'number' };
  if (type === Boolean) return { type: 'boolean' };
  if (type === Array) return { type: 'array', items: { type: 'string' } };
  return { type: 'string' };
}

/** The parameters a DTO class declares through its class-validator rules (optional when it has @IsOptional or @ValidateIf). */
function dtoParameters(dto: unknown, location: 'path' | 'query'): Parameter[] {
  if (typeof dto !== 'function' || dto === String || dto === Number || dto === Object) return [];
  const rules = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
  const properties = [...new Set(rules.map((r) => r.propertyName))];
  return properties.map((name) => {
    const own = rules.filter((r) => r.propertyName === name);
    const optional = own.some((r) => r.type === 'conditionalValidation');
    return {
      name,
      in: location,
      required: location === 'path' || !optional,
      schema: propertySchema(dto, name, own.map((r) => r.name ?? '').filter(Boolean)),
    };
  });
}

/** The JSON schema of a body DTO from its class-validator rules: properties, their types and which are required. */
function dtoSchema(dto: unknown): { type: 'object'; properties: Record<string, unknown>; required?: string[] } {
  const fields = dtoParameters(dto, 'query');
  const required = fields.filter((f) => f.required).map((f) => f.name);
  const rules = typeof dto === 'function' ? getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false) : [];
  const nested = new Set(rules.filter((r) => r.type === 'nestedValidation' || r.name === 'isObject').map((r) => r.propertyName));
  return {
    type: 'object',
    properties: Object.fromEntries(fields.map((f) => [f.name, nested.has(f.name) ? { type: 'object' } : f.schema])),
    ...(required.length ? { required } : {}),
  };
}

/** Body DTO classes of a handler (from its @Body arguments). */
function bodyTypes(route: HttpRoute): unknown[] {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, route.controller, route.name) ?? {}) as Record<
    string,
    { index: number; data?: string }
  >;
  const types = (Reflect.getMetadata('design:paramtypes', route.controller.prototype, route.name) ?? []) as unknown[];
  return Object.entries(args)
    .filter(([key, { data }]) => Number(key.split(':')[0]) === RouteParamtypes.BODY && !data)
    .map(([, { index }]) => types[index]);
}

/** Path and query parameters of a handler, from its @Param and @Query arguments. */
function handlerParameters(route: HttpRoute): Parameter[] {
  // Nest keeps a handler's argument decorators on the controller class, by method name, as `${paramtype}:${index}`.
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, route.controller, route.name) ?? {}) as Record<
    string,
    { index: number; data?: string }
  >;
  const types = (Reflect.getMetadata('design:paramtypes', route.controller.prototype, route.name) ?? []) as unknown[];
  const result: Parameter[] = [];
  for (const [key, { index, data }] of Object.entries(args)) {
    const kind = Number(key.split(':')[0]);
    const location = kind === RouteParamtypes.PARAM ? 'path' : kind === RouteParamtypes.QUERY ? 'query' : undefined;
    if (!location) continue;
    if (data) result.push({ name: data, in: location, required: location === 'path', schema: { type: 'string' } });
    else result.push(...dtoParameters(types[index], location));
  }
  return result;
}

function complete(operation: Operation, route: HttpRoute, path: string, reflector: Reflector): void {
  const declared = (operation.parameters ?? []).filter((p): p is Parameter => 'name' in p);
  const has = (p: Parameter) => declared.some((d) => d.name === p.name && d.in === p.in);
  const wanted = handlerParameters(route);
  // Every {name} of the path is a required path parameter, even one no decorator names.
  for (const [, name] of path.matchAll(/\{([^}]+)\}/g)) wanted.push({ name, in: 'path', required: true, schema: { type: 'string' } });
  for (const parameter of wanted) {
    if (has(parameter)) continue;
    declared.push(parameter);
    (operation.parameters ??= []).push(parameter);
  }
  const access = routeAccess(reflector, route.handler, route.controller);
  const responses = operation.responses;
  for (const [status, response] of Object.entries(responses)) if (!response.description) responses[status].description = 'Success';
  if (declared.length || operation.requestBody) responses['400'] ??= { description: 'Invalid input: every failing field is named' };
  if ('role' in access) {
    operation.security = [{ [API_KEY_SCHEME]: [] }];
    responses['401'] ??= { description: 'No known API key (X-API-Key or Authorization: Bearer)' };
    responses['403'] ??= { description: `The API key lacks the role ${access.role}` };
  } else if ('denied' in access) {
    responses['403'] ??= { description: 'Open to no role' };
  } else {
    operation.security = [];
  }
  responses['429'] ??= { description: 'Too many requests from this client address' };
}

/**
 * The OpenAPI document of a service: Swagger's, with what its decorators leave out filled in from
 * the same declarations the service enforces: the API key scheme, which endpoints need it (their
 * role), path and query parameters (from the DTOs that validate them) and the error responses.
 */
export function buildOpenApiDocument(app: INestApplication, options: { title: string; description: string }): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(options.title)
      .setDescription(options.description)
      .setVersion('1')
      .addApiKey(
        { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'A key of the service (also accepted as Authorization: Bearer)' },
        API_KEY_SCHEME,
      )
      .build(),
  );
  const reflector = new Reflector();
  for (const route of httpRoutes(app)) {
    const operation = (document.paths[route.path] as Record<string, Operation> | undefined)?.[RequestMethod[route.method].toLowerCase()];
    if (operation) complete(operation, route, route.path, reflector);
    // Swagger names a body's schema after its class and leaves it empty without @ApiProperty.
    for (const dto of bodyTypes(route)) {
      const schemas = document.components?.schemas as Record<string, { properties?: object }> | undefined;
      const name = (dto as { name?: string }).name ?? '';
      if (schemas?.[name] && !Object.keys(schemas[name].properties ?? {}).length) schemas[name] = dtoSchema(dto);
    }
  }
  return document;
}
