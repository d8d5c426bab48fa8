import { INestApplication } from '@nestjs/common';
import { CustomTransportStrategy, NestMicroservice } from '@nestjs/microservices';
import { Logger } from 'nestjs-pino';
import { backoffDelay } from './backoff';
import { createHttpApp, HttpAppOptions, listen } from './bootstrap';
import { ServiceConfig } from './config';
import { createRootLogger } from './logging';
import { describeKafkaFailure, isKafkaAuthenticationError } from './kafka-security';
import { RethrowHandlerErrors } from './rethrow-handler-errors.filter';

/** Nest injection token of the service's messaging runtime (provided by libs/messaging). */
export const MESSAGING_RUNTIME = Symbol('MESSAGING_RUNTIME');

/** What the service bootstrap needs of the messaging layer. */
export interface MessagingRuntime {
  /** One Nest transport per consumer group. */
  servers: CustomTransportStrategy[];
  /** Creates missing topics; throws while the broker is unreachable. */
  ensureTopics(): Promise<void>;
  /** Starts sending the outbox. */
  startRelay(): void;
}

/**
 * Starts a service: HTTP first (so /health can say what is wrong), then Kafka topics, consumers
 * and the outbox relay, retried with backoff while the broker is unreachable.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function bootstrapService(module: any, config: ServiceConfig, options: HttpAppOptions): Promise<INestApplication> {
  const app = await createHttpApp(module, config, options);
  const messaging = app.get<MessagingRuntime>(MESSAGING_RUNTIME);
  for (const server of messaging.servers) {
    // HTTP pipes and filters stay with HTTP: payloads are validated against their contracts already.
    // Handlers are bound after the filter is set, because Nest reads global filters when binding them.
    const microservice = app.connectMicroservice(
      { strategy: server },
      { inheritAppConfig: false, deferInitialization: true },
    ) as NestMicroservice;
    microservice.useGlobalFilters(new RethrowHandlerErrors());
    microservice.registerListeners();
    microservice.setIsInitialized(true);
    microservice.setIsInitHookCalled(true);
  }
  await listen(app, config);
  await startMessaging(app, messaging, config);
  return app;
}

async function startMessaging(app: INestApplication, messaging: MessagingRuntime, config: ServiceConfig): Promise<void> {
  const logger = app.get(Logger);
  let refusedLogin = false;
  for (let attempt = 1; ; attempt++) {
    try {
      await messaging.ensureTopics();
      break;
    } catch (err) {
      const delay = backoffDelay(attempt, { initialMs: 1000, maxMs: 30_000 });
      const problem = describeKafkaFailure(err, config.kafka.security);
      // A refused login stays refused until someone fixes the credentials: say so once, loudly.
      if (!isKafkaAuthenticationError(err)) logger.warn(`Kafka not reachable yet (${problem}); retrying in ${delay} ms`);
      else if (!refusedLogin) logger.error(`${problem}; retrying with backoff, /health reports 503 until it succeeds`);
      refusedLogin ||= isKafkaAuthenticationError(err);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
  await app.startAllMicroservices();
  messaging.startRelay();
}

/** Definition of a service's process: how to read its configuration and build its root module. */
export interface ServiceDefinition {
  loadConfig(env: NodeJS.ProcessEnv): ServiceConfig;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  rootModule(config: ServiceConfig, logger: import('pino').Logger): any;
  docs: HttpAppOptions;
}

/** The body of a service's main.ts: invalid configuration or a failed start exit with a clear message and code 1. */
export function runServiceProcess(definition: ServiceDefinition): void {
  let config: ServiceConfig;
  try {
    config = definition.loadConfig(process.env);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }
  const logger = createRootLogger(config);
  bootstrapService(definition.rootModule(config, logger), config, definition.docs).then(
    (app) => stopOnSignals(app, logger),
    (err: Error) => {
      logger.fatal({ err }, `${config.service} failed to start: ${err.message}`);
      process.exit(1);
    },
  );
}

/** How soon after one stop signal the other one still belongs to the same request. */
const ONE_STOP_REQUEST_MS = 2000;

/**
 * SIGTERM or SIGINT: finish in-flight handlers, commit, disconnect, exit 0. A second signal
 * exits at once with 1 (uncommitted messages are redelivered and deduplicated), except the other
 * signal within {@link ONE_STOP_REQUEST_MS}: Ctrl-C sends SIGINT to every process of the terminal's
 * process group, and a supervisor among them then forwards SIGTERM; that is one request to stop.
 */
function stopOnSignals(app: INestApplication, logger: import('pino').Logger): void {
  let first: { signal: NodeJS.Signals; at: number } | undefined;
  const stop = (signal: NodeJS.Signals) => {
    if (first && first.signal !== signal && Date.now() - first.at < ONE_STOP_REQUEST_MS) {
      logger.info(`${signal} right after ${first.signal}: already stopping`);
      return;
    }
    if (first) {
      logger.warn(`${signal} again: exiting without waiting`);
      process.exit(1);
    }
    first = { signal, at: Date.now() };
    logger.info(`${signal} received: finishing in-flight messages, then stopping`);
    app.close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: Error) => {
        logger.error({ err }, `error while stopping: ${err.message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
