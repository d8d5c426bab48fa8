import { BadRequestException, INestApplication, ValidationPipe } from '@nestjs/common';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { ServiceConfig } from './config';
import { traceMiddleware } from './logging';
import { DatabaseUnavailableFilter } from './database-unavailable.filter';
import { buildOpenApiDocument } from './openapi';
import { describeValidationErrors } from '@ki/contracts';

export interface HttpAppOptions {
  title: string;
  description: string;
}

/**
 * Creates the Nest application of a service with the conventions all services share:
 * pino logging, 400 with every failing field for invalid bodies, 413 above 256 kB, 503 with
 * Retry-After while the database cannot be reached, OpenAPI at /docs. Shutdown on signals is the caller's (see runServiceProcess).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function createHttpApp(module: any, config: ServiceConfig, options: HttpAppOptions): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(module, { bufferLogs: true, bodyParser: false });
  app.useLogger(app.get(Logger));
  app.use(securityHeaders());
  app.use(traceMiddleware);
  app.useBodyParser('json', { limit: '256kb' });
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) =>
        new BadRequestException({ statusCode: 400, error: 'Bad Request', message: describeValidationErrors(errors) }),
    }),
  );
  app.useGlobalFilters(new DatabaseUnavailableFilter(app.get(HttpAdapterHost).httpAdapter));
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app, options));
  return app;
}

/**
 * helmet's security headers with its default content security policy (scripts, styles and
 * connections from the service itself; the console page and the Swagger UI need nothing else),
 * except `upgrade-insecure-requests`: the services speak plain HTTP inside their network (TLS ends
 * at the proxy in front of them), and an upgraded request to http://127.0.0.1 would fail.
 */
function securityHeaders() {
  return helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
}

/** Starts listening and logs where. */
export async function listen(app: INestApplication, config: ServiceConfig): Promise<void> {
  await app.listen(config.http.port, config.http.host);
  app.get(Logger).log(`${config.service} listening on http://${config.http.host}:${config.http.port} (health: /health, API docs: /docs)`);
}
