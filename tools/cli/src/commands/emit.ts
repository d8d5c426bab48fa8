import { allContracts, ContractViolation, findContract, validatePayload } from '@ki/contracts';
import { CliError, usageError } from '../errors';
import { Command, flag } from '../command';
import { printJson, printLines } from '../format';
import { readJsonFile } from './dead-letters';

/** How long a send may take before `ki` gives up on the broker. */
const SEND_TIMEOUT_MS = 30_000;

export const emit: Command = {
  words: ['emit'],
  summary: 'validate a payload against the contracts, then publish it (for internal services)',
  synopsis: '<type> --file PAYLOAD.json [--correlation-id ID] [--source /ki/...] [--json]',
  details: [
    'type        a ce_type of the catalogue, e.g. ki.registry.open-centre.v1',
    'an invalid payload is not sent: exit code 2 with every failing field',
    'broker and topic prefix: KAFKA_BROKERS, KAFKA_TOPIC_PREFIX (or --brokers, --topic-prefix)',
  ],
  options: { file: { type: 'string' }, 'correlation-id': { type: 'string' }, source: { type: 'string' } },
  positionals: { min: 1, max: 1 },
  async run(context) {
    const [type] = context.positionals;
    const contract = findContract(type);
    if (!contract) {
      const known = allContracts().map((c) => `  ${c.type}`);
      throw usageError(`unknown event type ${type}; the contracts know:\n${known.join('\n')}`, context.usage);
    }
    const file = flag(context, 'file');
    if (!file) throw usageError('--file is required: the JSON payload to send', context.usage);
    const plain = readJsonFile(file, context.usage);
    let payload: object;
    try {
      payload = validatePayload(contract, plain);
    } catch (err) {
      if (!(err instanceof ContractViolation)) throw err;
      throw usageError(
        `${file} breaks the contract of ${type}, nothing sent:\n${err.problems.map((p) => `  ${p}`).join('\n')}`,
        context.usage,
      );
    }

    // Loaded only here: the messaging library brings the Kafka client, which the other commands do not need.
    const { Kafka, logLevel } = await import('kafkajs');
    const { EventPublisher } = await import('@ki/messaging');
    const { ConfigError, kafkaJsSecurity, describeKafkaFailure, readKafkaSecurity } = await import('@ki/platform');
    const { kafkaBrokers, kafkaSecurityEnv, topicPrefix } = context.config;
    let kafkaSecurity: ReturnType<typeof readKafkaSecurity>;
    try {
      kafkaSecurity = readKafkaSecurity(kafkaSecurityEnv);
    } catch (err) {
      if (err instanceof ConfigError) throw new CliError(err.problems.join('; '), 2);
      throw err;
    }
    const kafka = new Kafka({ clientId: 'ki-cli', brokers: kafkaBrokers, logLevel: logLevel.NOTHING, ...kafkaJsSecurity(kafkaSecurity) });
    const publisher = new EventPublisher(kafka, { source: flag(context, 'source') ?? '/ki/cli', topicPrefix });
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new CliError(
                `the broker at ${kafkaBrokers.join(',')} did not take the event within ${SEND_TIMEOUT_MS / 1000} s — is it running? (KAFKA_BROKERS)`,
                1,
              ),
            ),
          SEND_TIMEOUT_MS,
        );
      });
      const sending = publisher.publish(contract, payload, { correlationId: flag(context, 'correlation-id') }).catch((err: Error) => {
        const cause = (err as { cause?: Error }).cause;
        throw new CliError(
          `the broker at ${kafkaBrokers.join(',')} did not take the event: ${describeKafkaFailure(err, kafkaSecurity)}${cause && cause.message !== err.message ? ` (${cause.message})` : ''} — is it running? (KAFKA_BROKERS; on a secured cluster KAFKA_SASL_USERNAME must be a principal that may send ${type})`,
          1,
          undefined,
          { cause: err },
        );
      });
      const envelope = await Promise.race([sending, timeout]);
      if (context.config.json) printJson(envelope);
      else printLines(`sent ${envelope.type} id ${envelope.id} key ${envelope.subject ?? '-'} correlation ${envelope.correlationId}`);
      return 0;
    } finally {
      clearTimeout(timer);
      await Promise.race([publisher.close(), new Promise((resolve) => setTimeout(resolve, 5_000))]);
    }
  },
};
