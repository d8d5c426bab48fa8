import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createTestDatabase, eventually, freePort, repoRoot, TestDatabase, testInfrastructure, uniqueId } from '@ki/testing';

/** Running, and not just an exited process waiting to be reaped (a zombie holds no resources). */
function alive(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

function pidsUnder(dir: string): number[] {
  const found: number[] = [];
  const walk = (d: string) => {
    for (const entry of fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }) : []) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.pid')) found.push(Number(fs.readFileSync(p, 'utf8')));
    }
  };
  walk(dir);
  return found;
}

describe('npm start', () => {
  const localDir = path.join('.local', `start-e2e-${uniqueId()}`);
  const databases: TestDatabase[] = [];
  let child: ChildProcess;
  let output = '';
  let ports: number[];

  beforeAll(async () => {
    ports = [await freePort(), await freePort(), await freePort(), await freePort()];
    for (const label of ['registry', 'ledger', 'notifications']) databases.push(await createTestDatabase(`start_${label}`));
    const kafkaPort = await freePort();
    child = spawn(process.execPath, ['tools/dev/start.mjs'], {
      cwd: repoRoot,
      env: {
        ...process.env,
        KI_LOCAL_DIR: localDir,
        KAFKA_PORT: String(kafkaPort),
        KAFKA_CONTROLLER_PORT: String(await freePort()),
        KAFKA_HEAP: '512m',
        POSTGRES_URL: testInfrastructure().postgresUrl,
        REGISTRY_DATABASE_URL: databases[0].url,
        LEDGER_DATABASE_URL: databases[1].url,
        NOTIFICATIONS_DATABASE_URL: databases[2].url,
        REGISTRY_PORT: String(ports[0]),
        LEDGER_PORT: String(ports[1]),
        NOTIFICATIONS_PORT: String(ports[2]),
        CONSOLE_PORT: String(ports[3]),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // A process group of its own, as a terminal gives `npm start`: Ctrl-C signals the whole group.
      detached: true,
    });
    child.stdout?.on('data', (d) => (output += d));
    child.stderr?.on('data', (d) => (output += d));
  });

  afterAll(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    for (const pid of pidsUnder(path.join(repoRoot, localDir))) if (alive(pid)) process.kill(pid, 'SIGKILL');
    fs.rmSync(path.join(repoRoot, localDir), { recursive: true, force: true });
    for (const db of databases) await db.drop();
  });

  it('brings up broker and services, prints their URLs, and Ctrl-C drains every service and leaves no process behind', async () => {
    await eventually(
      () => {
        if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
        if (!output.includes('ki-network is up')) throw new Error('not up yet');
      },
      { name: 'the "ki-network is up" banner', timeout: 150_000, interval: 500 },
    );
    for (const port of ports) {
      expect(output).toContain(`http://127.0.0.1:${port}`);
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    }
    const pids = pidsUnder(path.join(repoRoot, localDir));
    expect(pids.length).toBe(5); // four services and the broker
    expect((await fetch(`http://127.0.0.1:${ports[3]}/`)).headers.get('content-type')).toContain('text/html');

    // Ctrl-C: the terminal sends SIGINT to every process of the group.
    process.kill(-(child.pid as number), 'SIGINT');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));

    expect(code).toBe(0);
    expect(output).toContain('everything stopped');
    expect(output).not.toContain('exiting without waiting');
    expect(output.match(/INFO {2}stopped\b/g)).toHaveLength(4); // each service drained and said so
    expect(pids.filter(alive)).toEqual([]);
  });
});
