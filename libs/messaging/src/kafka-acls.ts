import { AclBinding, aclBindings } from '@ki/contracts';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, ResourcePatternTypes } from 'kafkajs';
import { ensureTopics, TopicCheck } from './topics';

const resourceTypes = { TOPIC: AclResourceTypes.TOPIC, GROUP: AclResourceTypes.GROUP } as const;
const patternTypes = { LITERAL: ResourcePatternTypes.LITERAL, PREFIXED: ResourcePatternTypes.PREFIXED } as const;
const operations = {
  READ: AclOperationTypes.READ,
  WRITE: AclOperationTypes.WRITE,
  DESCRIBE: AclOperationTypes.DESCRIBE,
  DESCRIBE_CONFIGS: AclOperationTypes.DESCRIBE_CONFIGS,
} as const;

/** Creates `bindings` as ALLOW ACLs (creating an existing ACL again changes nothing). */
export async function createAcls(kafka: Kafka, bindings: AclBinding[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createAcls({
      acl: bindings.map((b) => ({
        principal: b.principal,
        host: '*',
        resourceType: resourceTypes[b.resourceType],
        resourceName: b.resourceName,
        resourcePatternType: patternTypes[b.patternType],
        operation: operations[b.operation],
        permissionType: AclPermissionTypes.ALLOW,
      })),
    });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Sets up a secured cluster for the system, as its administrator: the topics with their declared
 * settings and the ACLs of libs/contracts. `topicPrefix`/`groupPrefix` set up an environment that
 * shares the cluster with others (tests).
 */
export async function setUpKafkaAccess(
  kafka: Kafka,
  options: { topicPrefix?: string; groupPrefix?: string } = {},
): Promise<TopicCheck & { acls: number }> {
  const check = await ensureTopics(kafka, options.topicPrefix ?? '');
  const bindings = aclBindings(options);
  await createAcls(kafka, bindings);
  return { ...check, acls: bindings.length };
}
