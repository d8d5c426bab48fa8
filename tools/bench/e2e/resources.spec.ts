import { isBackendOf, isPostgres, listensOn } from './resources';

describe('finding the processes behind a pipeline', () => {
  const title = (text: string) => [text.padEnd(120)];

  it("tells PostgreSQL's processes and a database's backends by their titles", () => {
    const backend = title('postgres: 15/main: postgres bench_notifications_1a2b 127.0.0.1(56664) idle');
    const withoutCluster = title('postgres: ki_ledger bench_ledger_9f 127.0.0.1(40112) INSERT');
    const walWriter = title('postgres: 15/main: walwriter');
    const server = ['/usr/lib/postgresql/15/bin/postgres', '-D', '/var/lib/postgresql/15/main'];
    for (const args of [backend, withoutCluster, walWriter, server]) expect(isPostgres(args)).toBe(true);
    expect(isPostgres(['node', 'postgres: not a title'])).toBe(false);

    expect(isBackendOf(backend, ['bench_notifications_1a2b'])).toBe(true);
    expect(isBackendOf(withoutCluster, ['bench_ledger_9f'])).toBe(true);
    expect(isBackendOf(title('postgres: 15/main: autovacuum worker bench_ledger_9f'), ['bench_ledger_9f'])).toBe(true);
    // Another database whose name starts the same; a process of no database.
    expect(isBackendOf(backend, ['bench_notifications_1a'])).toBe(false);
    expect(isBackendOf(walWriter, ['bench_notifications_1a2b'])).toBe(false);
    expect(isBackendOf(server, ['main'])).toBe(false);
  });

  it("finds a Kafka node's listener port in its server.properties", () => {
    const properties =
      'node.id=1\nlisteners=CLIENT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093\nadvertised.listeners=CLIENT://127.0.0.1:19092\n';
    expect(listensOn(properties, 19092)).toBe(true);
    expect(listensOn(properties, 19093)).toBe(true);
    expect(listensOn(properties, 9092)).toBe(false);
    expect(listensOn(properties, 1909)).toBe(false);
    expect(listensOn('advertised.listeners=CLIENT://127.0.0.1:9092\n', 9092)).toBe(false);
  });
});
