import SwaggerParser from '@apidevtools/swagger-parser';
import { NestFactory } from '@nestjs/core';
import { buildOpenApiDocument, createRootLogger, ServiceDefinition } from '@ki/platform';
import type { OpenAPI } from 'openapi-types';

/**
 * The OpenAPI document a service serves at /docs-json, built as bootstrap builds it, from an
 * application in preview mode: no provider runs, nothing connects.
 */
export async function serviceOpenApiDocument(definition: ServiceDefinition) {
  const config = definition.loadConfig({ NODE_ENV: 'test' });
  const logger = createRootLogger({ ...config, logLevel: 'silent' });
  const app = await NestFactory.create(definition.rootModule(config, logger), { preview: true, logger: false });
  try {
    return buildOpenApiDocument(app, definition.docs);
  } finally {
    await app.close();
  }
}

/** Declares the tests that a service's OpenAPI document is valid and documents its parameters, security and errors. */
export function describeOpenApiDocument(definition: ServiceDefinition, service: string): void {
  describe(`the OpenAPI document of ${service}`, () => {
    let document: Awaited<ReturnType<typeof serviceOpenApiDocument>>;
    beforeAll(async () => {
      document = await serviceOpenApiDocument(definition);
    });

    it('passes the OpenAPI 3 schema, with every $ref resolved, in swagger-parser', async () => {
      // validate() dereferences in place: give it a copy.
      await expect(SwaggerParser.validate(structuredClone(document) as OpenAPI.Document)).resolves.toBeDefined();
    });

    // swagger-parser checks an OpenAPI 3 document against the schema only; the checks below are the semantic ones it leaves out.
    it('names only defined security schemes', () => {
      const defined = Object.keys(document.components?.securitySchemes ?? {});
      const used = Object.values(document.paths)
        .flatMap((path) => Object.values(path as Record<string, { security?: Record<string, unknown>[] }>))
        .flatMap((o) => (o.security ?? []).flatMap((requirement) => Object.keys(requirement)));
      expect([...new Set(used)].filter((name) => !defined.includes(name))).toEqual([]);
    });

    it('defines the api-key scheme and refers to it from every operation that needs a key, which answers 401 and 403', () => {
      expect(document.components?.securitySchemes?.['api-key']).toEqual(
        expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-API-Key' }),
      );
      const operations = Object.values(document.paths).flatMap((path) =>
        Object.values(path as Record<string, { security?: unknown[]; responses: object }>),
      );
      const secured = operations.filter((o) => o.security?.length);
      expect(secured.length).toBeGreaterThan(0);
      for (const operation of secured) {
        expect(operation.security).toEqual([{ 'api-key': [] }]);
        expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '403']));
      }
    });

    it('declares every parameter of every path template', () => {
      for (const [path, item] of Object.entries(document.paths))
        for (const operation of Object.values(item as Record<string, { parameters?: { name: string; in: string }[] }>)) {
          const names = (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
          expect({ path, names: names.sort() }).toEqual({ path, names: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort() });
        }
    });
  });
}
