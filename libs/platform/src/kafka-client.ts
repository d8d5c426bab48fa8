import { ISocketFactory, Kafka, logLevel as KafkaLogLevel, LogEntry } from 'kafkajs';
import net from 'node:net';
import tls from 'node:tls';
import type { Logger as PinoLogger } from 'pino';
import pino from 'pino';
import { ServiceConfig } from './config';
import { isKafkaAuthenticationError, kafkaJsSecurity } from './kafka-security';

/** Nest injection token of the service's kafkajs client. */
export const KAFKA_CLIENT = Symbol('KAFKA_CLIENT');
/** Nest injection token of the service's Kafka security settings (for messages that name its principal). */
export const KAFKA_SECURITY = Symbol('KAFKA_SECURITY');

const levelNames: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [KafkaLogLevel.ERROR]: 'error',
  [KafkaLogLevel.WARN]: 'warn',
  [KafkaLogLevel.INFO]: 'info',
  [KafkaLogLevel.DEBUG]: 'debug',
};

/** kafkajs log entries as structured pino logs of the service, under logger "kafkajs". */
function pinoLogCreator(logger: PinoLogger) {
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, timestamp: _t, logger: _l, ...rest } = log;
      // kafkajs logs every error response of the broker ("Response Fetch ...") at ERROR although it
      // retries them itself; what stays broken surfaces as a failed operation, logged by our code.
      // The relay bounds its producer's retries on purpose (it retries on a fresh producer), which kafkajs warns about;
      // the partitioner notice concerns upgrades from kafkajs 1.x, which this project never used.
      // A refused login is reported once, naming the principal, by the code that connects (and on /health).
      // A consumer's crash and its restart are reported by the code that runs the consumer (its CRASH
      // event), naming the group and whether kafkajs restarts it.
      const expected =
        (level === KafkaLogLevel.ERROR && message.startsWith('Response ')) ||
        isKafkaAuthenticationError(rest.error ? { message: String(rest.error) } : undefined) ||
        message.startsWith('Crash: ') ||
        message.startsWith('Restarting the consumer') ||
        message.startsWith('Limiting retries for the idempotent producer') ||
        message.startsWith('KafkaJS v2.0.0 switched default partitioner');
      const effective = expected ? 'debug' : (levelNames[level] ?? 'info');
      logger[effective]({ logger: 'kafkajs', ...rest }, message);
    };
}

/**
 * The kafkajs client of a service. Connection errors are retried by kafkajs with exponential
 * backoff (initial 300 ms, up to 30 s between attempts).
 */
export function createKafkaClient(config: ServiceConfig, logger: PinoLogger = pino({ level: config.logLevel })): Kafka {
  return new Kafka({
    clientId: config.kafka.clientId,
    brokers: config.kafka.brokers,
    ...kafkaJsSecurity(config.kafka.security),
    connectionTimeout: 3000,
    requestTimeout: 10_000,
    retry: { initialRetryTime: 300, maxRetryTime: 30_000, retries: 8 },
    logLevel: KafkaLogLevel.WARN,
    logCreator: pinoLogCreator(logger),
    ...(config.kafka.connectVia ? { socketFactory: socketsVia(config.kafka.connectVia) } : {}),
  });
}

/** kafkajs' own socket factory, with each broker address looked up in `via` first (KAFKA_CONNECT_VIA). */
function socketsVia(via: Record<string, string>): ISocketFactory {
  return ({ host, port, ssl, onConnect }) => {
    const [viaHost, viaPort] = (via[`${host}:${port}`] ?? `${host}:${port}`).split(':');
    const target = { host: viaHost, port: Number(viaPort) };
    const socket = ssl
      ? tls.connect({ ...target, ...(!net.isIP(host) ? { servername: host } : {}), ...ssl }, onConnect)
      : net.connect(target, onConnect);
    socket.setKeepAlive(true, 60_000);
    return socket;
  };
}
