import { Topics, topicName } from '@ki/contracts';
import { eventually, startTestService, testKafka, uniqueTopicPrefix } from '@ki/testing';
import { ConfigResourceTypes } from 'kafkajs';
import { probeService } from './test-support/probe.service';
import { ensureTopics } from './topics';

describe('topics by declaration', () => {
  const kafka = testKafka();

  it('creates missing topics with the declared retention: history, dead letters and the audit trail forever', async () => {
    const prefix = uniqueTopicPrefix('declared');
    const check = await ensureTopics(kafka, prefix);
    expect(check.created.sort()).toEqual(
      Object.values(Topics)
        .map((t) => topicName(t, prefix))
        .sort(),
    );
    expect(check.mismatches).toEqual([]);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [Topics.deadLetters, Topics.operations, Topics.registryCommands].map((t) => ({
          type: ConfigResourceTypes.TOPIC,
          name: topicName(t, prefix),
          configNames: ['retention.ms'],
        })),
      });
      expect(resources.map((r) => [r.resourceName.slice(prefix.length), r.configEntries[0].configValue])).toEqual([
        [Topics.deadLetters, '-1'],
        [Topics.operations, '-1'],
        [Topics.registryCommands, String(30 * 24 * 60 * 60 * 1000)],
      ]);
    } finally {
      await admin.disconnect();
    }
    expect((await ensureTopics(kafka, prefix)).created).toEqual([]);
  });

  it('reports an existing topic whose settings differ, in the log and on /health, and uses it as it is', async () => {
    const prefix = uniqueTopicPrefix('differs');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: topicName(Topics.deadLetters, prefix), numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '604800000' }] },
      ],
    });
    await admin.disconnect();
    const logs: string[] = [];
    const probe = await startTestService(probeService(), { topicPrefix: prefix, logSink: (line) => logs.push(line) });
    try {
      const health = await eventually(
        async () => {
          const body = (await (await fetch(`${probe.url}/health`)).json()) as {
            details: { messaging: { topicSettingsDiffer?: string[] } };
          };
          if (!body.details.messaging?.topicSettingsDiffer) throw new Error('no topic report yet');
          return body.details.messaging.topicSettingsDiffer;
        },
        { name: 'topic settings reported on /health', timeout: 30_000 },
      );
      expect(health).toEqual([
        `${topicName(Topics.deadLetters, prefix)}: 1 partitions, declared 3`,
        `${topicName(Topics.deadLetters, prefix)}: retention.ms is 604800000, declared -1`,
      ]);
      expect(logs.filter((line) => line.includes('topic settings differ from the declaration'))).toHaveLength(2);
    } finally {
      await probe.close();
    }
  });
});
