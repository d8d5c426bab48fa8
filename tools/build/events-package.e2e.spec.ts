import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodePayload, EventTypes, topicName } from '@ki/contracts';
import { ensureTopics, readEnvelope } from '@ki/messaging';
import { collectMessages, eventually, repoRoot, testInfrastructure, testKafka, uniqueTopicPrefix } from '@ki/testing';

function run(command: string, args: string[], cwd: string): string {
  const res = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${res.stdout}${res.stderr}`);
  return res.stdout;
}

/** A service outside this repository: it installs the package and sends a register-centre command. */
const consumerSource = `
import { Kafka, logLevel } from 'kafkajs';
import { EventPublisher, EventTypes, RegisterCentreV1 } from '@ki-network/events';

declare const process: { argv: string[]; exitCode: number };

async function main(brokers: string, topicPrefix: string): Promise<void> {
  const kafka = new Kafka({ clientId: 'outside-service', brokers: brokers.split(','), logLevel: logLevel.ERROR });
  const publisher = new EventPublisher(kafka, { source: '/outside/service', topicPrefix });
  const command: RegisterCentreV1 = {
    hostBodyKey: '05558',
    name: 'Kommunales Integrationszentrum Kreis Coesfeld',
    hostAuthority: 'Kreis Coesfeld',
    address: 'Friedrich-Ebert-Straße 7, 48653 Coesfeld',
    contactEmail: 'ki@kreis-coesfeld.example',
  };
  const sent = await publisher.publish(EventTypes.RegisterCentreV1, command);
  console.log('sent ' + sent.id);
  await publisher.publish(EventTypes.RegisterCentreV1, { ...command, hostBodyKey: 'x' }).then(
    () => console.log('invalid command sent'),
    (err: Error) => console.log('refused ' + err.message),
  );
  await publisher.close();
}

main(process.argv[2], process.argv[3]).catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
`;

describe('the npm package of the contracts and the typed publisher', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ki-events-package-'));

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('packs JavaScript and type declarations that install into an empty project and publish a valid event', async () => {
    run(process.execPath, ['tools/build/build.mjs', 'package'], repoRoot);
    const [packed] = JSON.parse(run('npm', ['pack', './dist/packages/events', '--pack-destination', dir, '--json'], repoRoot)) as {
      filename: string;
      files: { path: string }[];
    }[];
    const files = packed.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'index.js', 'index.d.ts', 'libs/messaging/src/publisher.js']));
    expect(files).toContain('libs/messaging/src/publisher.d.ts');
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);

    const project = path.join(dir, 'outside-service');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'outside-service', private: true }));
    run('npm', ['install', path.join(dir, packed.filename), '--prefer-offline', '--no-audit', '--no-fund'], project);
    fs.writeFileSync(path.join(project, 'index.ts'), consumerSource);
    const compilerOptions = {
      strict: true,
      target: 'es2022',
      module: 'commonjs',
      moduleResolution: 'node',
      esModuleInterop: true,
      skipLibCheck: true,
      types: [],
      outDir: 'out',
    };
    fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['index.ts'] }));
    // Type-checked against the package's declarations, then run as plain JavaScript.
    run(process.execPath, [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], project);

    const kafka = testKafka();
    const topicPrefix = uniqueTopicPrefix('package');
    await ensureTopics(kafka, topicPrefix);
    const topic = topicName(EventTypes.RegisterCentreV1.topic, topicPrefix);
    const received = await collectMessages(kafka, topic);
    try {
      const output = run(process.execPath, ['out/index.js', testInfrastructure().kafkaBrokers.join(','), topicPrefix], project);
      expect(output).toMatch(/^refused .*hostBodyKey/m);
      const id = /^sent (\S+)$/m.exec(output)?.[1];
      await eventually(() => expect(received.messages.map((m) => m.headers.ce_id)).toContain(id), { name: 'the published command' });
      const message = received.messages.find((m) => m.headers.ce_id === id);
      if (!message) throw new Error(`message ${id} not received`);
      const envelope = readEnvelope(message.headers);
      expect(envelope.source).toBe('/outside/service');
      expect(message.key).toBe('05558');
      expect(decodePayload(envelope.type, message.value).payload).toMatchObject({ hostBodyKey: '05558', hostAuthority: 'Kreis Coesfeld' });
      await new Promise((r) => setTimeout(r, 500));
      expect(received.messages).toHaveLength(1);
    } finally {
      await received.stop();
    }
  });
});
