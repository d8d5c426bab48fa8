// Run by `node infra/kafka/kafka.mjs start|access` on a secured cluster, as its administrator:
// creates the system's topics with their declared settings and the ACLs declared in
// libs/contracts (kafka-access.ts). Idempotent. Reads KAFKA_BROKERS, the KAFKA_SASL_* and
// KAFKA_TLS* variables, KAFKA_TOPIC_PREFIX and KAFKA_GROUP_PREFIX.
import { setUpKafkaAccess } from '@ki/messaging';
import { kafkaJsSecurity, readKafkaSecurity } from '@ki/platform';
import { Kafka, logLevel } from 'kafkajs';

async function main() {
  const kafka = new Kafka({
    clientId: 'ki-set-up-access',
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    logLevel: logLevel.ERROR,
    ...kafkaJsSecurity(readKafkaSecurity(process.env)),
  });
  const topicPrefix = process.env.KAFKA_TOPIC_PREFIX ?? '';
  const result = await setUpKafkaAccess(kafka, { topicPrefix, groupPrefix: process.env.KAFKA_GROUP_PREFIX ?? '' });
  const created = result.created.length > 0 ? `created ${result.created.join(', ')}; ` : '';
  console.log(`[kafka] ${created}${result.acls} ACLs in place${topicPrefix ? ` for topic prefix "${topicPrefix}"` : ''}`);
  for (const mismatch of result.mismatches) console.log(`[kafka] WARNING topic settings differ from the declaration: ${mismatch}`);
}

main().catch((err: Error) => {
  console.error(`[kafka] setting up topics and ACLs failed: ${err.message}`);
  process.exit(1);
});
