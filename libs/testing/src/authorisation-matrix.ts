import { RequestMethod } from '@nestjs/common';
import { NestFactory, Reflector } from '@nestjs/core';
import { createRootLogger, httpRoutes, routeAccess, ServiceDefinition } from '@ki/platform';
import { repoFile } from './compose';

/** One row of the authorisation matrix in SECURITY.md: who may call an endpoint of a service. */
export interface MatrixRow {
  service: string;
  /** `GET /centres/{id}`. */
  endpoint: string;
  /** `public` or the role a key needs. */
  access: string;
}

const MATRIX_HEADING = '## Authorisation matrix';

/** Reads the authorisation matrix (service | endpoint | access | …) of SECURITY.md. */
export function readAuthorisationMatrix(markdown = repoFile('SECURITY.md')): MatrixRow[] {
  const start = markdown.indexOf(MATRIX_HEADING);
  if (start < 0) throw new Error(`SECURITY.md has no "${MATRIX_HEADING}" section`);
  const section = markdown.slice(start + MATRIX_HEADING.length).split(/\n## /)[0];
  const cell = (text: string) => text.trim().replace(/^`|`$/g, '');
  return section
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) => line.split('|').slice(1, -1).map(cell))
    .filter(([service]) => service && service !== 'service' && !/^-+$/.test(service))
    .map(([service, endpoint, access]) => ({ service, endpoint, access }));
}

/**
 * Every HTTP endpoint of a service as Nest's router sees it (controllers of every module, found
 * through the module container), with the access its decorators declare. The application is
 * built in preview mode: no provider runs, nothing connects.
 */
export async function serviceRoutes(definition: ServiceDefinition): Promise<MatrixRow[]> {
  const config = definition.loadConfig({ NODE_ENV: 'test' });
  const logger = createRootLogger({ ...config, logLevel: 'silent' });
  const app = await NestFactory.createApplicationContext(definition.rootModule(config, logger), { preview: true, logger: false });
  const reflector = new Reflector();
  const rows = httpRoutes(app).map(({ path, method, handler, controller }) => {
    const access = routeAccess(reflector, handler, controller);
    return {
      service: config.service,
      endpoint: `${RequestMethod[method]} ${path}`,
      access: 'role' in access ? access.role : 'public' in access ? 'public' : 'nobody',
    };
  });
  await app.close();
  return rows;
}

/** Declares the test that the routes of a service and its rows of SECURITY.md's matrix are the same. */
export function describeAuthorisationMatrix(definition: ServiceDefinition, service: string): void {
  describe(`authorisation of ${service}`, () => {
    it('gives every endpoint exactly the access SECURITY.md declares, and the matrix lists no other', async () => {
      const line = (r: MatrixRow) => `${r.endpoint} → ${r.access}`;
      const routes = (await serviceRoutes(definition)).map(line).sort();
      const documented = readAuthorisationMatrix()
        .filter((r) => r.service === service)
        .map(line)
        .sort();

      expect(routes.length).toBeGreaterThan(0);
      expect(routes).toEqual(documented);
    });
  });
}
