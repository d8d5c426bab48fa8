import fs from 'node:fs';
import path from 'node:path';
import { AclBinding, aclBindings, AdminPrincipal, Principals, TopicDeclarations } from './kafka-access';
import { Topics } from './topics';

const writers = (bindings: AclBinding[], topic: string) =>
  bindings.filter((b) => b.resourceType === 'TOPIC' && b.resourceName === topic && b.operation === 'WRITE').map((b) => b.principal);

describe('Kafka access declaration', () => {
  const bindings = aclBindings();

  it('declares every topic once', () => {
    expect(Object.keys(TopicDeclarations).sort()).toEqual(Object.values(Topics).sort());
  });

  it('lets only the registry write centre events, besides the console’s replays', () => {
    expect(writers(bindings, Topics.centres).sort()).toEqual(['User:ki-console', 'User:ki-registry']);
  });

  it('lets emitters write commands and nothing else', () => {
    const emitterWrites = bindings.filter((b) => b.principal === `User:${Principals.emitter}` && b.operation === 'WRITE');
    expect(emitterWrites.map((b) => b.resourceName)).toEqual([Topics.registryCommands]);
  });

  it('lets each service write only its own topics and the dead letters', () => {
    const writes = (principal: string) =>
      bindings
        .filter((b) => b.principal === `User:${principal}` && b.operation === 'WRITE')
        .map((b) => b.resourceName)
        .sort();
    expect(writes(Principals.registry)).toEqual([Topics.deadLetters, Topics.registryCommandResults, Topics.centres].sort());
    expect(writes(Principals.fundingLedger)).toEqual([Topics.deadLetters, Topics.funding].sort());
    expect(writes(Principals.notifications)).toEqual([Topics.deadLetters, Topics.notifications].sort());
  });

  it('lets the console read every topic and write only replayable topics and its audit trail', () => {
    const consoleBindings = bindings.filter((b) => b.principal === `User:${Principals.console}` && b.resourceType === 'TOPIC');
    expect(
      consoleBindings
        .filter((b) => b.operation === 'READ')
        .map((b) => b.resourceName)
        .sort(),
    ).toEqual(Object.values(Topics).sort());
    expect(
      consoleBindings
        .filter((b) => b.operation === 'WRITE')
        .map((b) => b.resourceName)
        .sort(),
    ).toEqual([Topics.centres, Topics.registryCommands, Topics.funding, Topics.operations].sort());
  });

  it('names the physical topics and groups of an environment with prefixes', () => {
    const prefixed = aclBindings({ topicPrefix: 't-1.', groupPrefix: 'g-1.' });
    expect(
      prefixed.every((b) =>
        b.resourceType === 'TOPIC' ? b.resourceName.startsWith('t-1.') : b.resourceName.startsWith('g-1.') || b.resourceName === '*',
      ),
    ).toBe(true);
    expect(prefixed).toHaveLength(bindings.length);
  });

  it('matches the users infra/kafka creates for a secured cluster', () => {
    const script = fs.readFileSync(path.join(__dirname, '../../../infra/kafka/kafka.mjs'), 'utf8');
    const declared = script
      .match(/export const PRINCIPALS = \[([^\]]+)\]/)?.[1]
      .match(/'([^']+)'/g)
      ?.map((s) => s.slice(1, -1));
    expect(declared?.sort()).toEqual([AdminPrincipal, ...Object.values(Principals)].sort());
  });
});
