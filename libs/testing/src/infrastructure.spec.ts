import { composeService, repoFile } from './compose';
import { kafkaContainerSpec } from './infrastructure';

describe('the Kafka container of the testcontainers path', () => {
  const spec = kafkaContainerSpec(45_678);

  it('runs the apache/kafka image of the version the local broker and docker-compose.yml run', () => {
    const pinned = repoFile('infra/kafka/pom.xml').match(/<kafka\.version>([^<]+)</)?.[1];
    expect(spec.image).toBe(`apache/kafka:${pinned}`);
    expect(spec.image).toBe(composeService('kafka-1').image);
  });

  it('is a development broker like the local one (KRaft, no topic auto-creation) advertising the host port the tests connect to', () => {
    expect(spec.environment).toMatchObject({ KAFKA_PROCESS_ROLES: 'broker,controller', KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false' });
    expect(spec.environment.KAFKA_ADVERTISED_LISTENERS).toBe('INTERNAL://localhost:19092,EXTERNAL://localhost:45678');
    expect(spec.environment.KAFKA_LISTENERS).toContain(`EXTERNAL://:${spec.port}`);
  });
});
