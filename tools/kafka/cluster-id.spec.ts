import { execFileSync } from 'node:child_process';
import path from 'node:path';

describe('the KRaft cluster id the local cluster script makes', () => {
  it('is 16 bytes in URL-safe base64 and never starts with "-", which the storage tool would take for an option', () => {
    const script = path.join(__dirname, '../../infra/kafka/kafka.mjs');
    // One in 64 random ids starts with "-": 20,000 of them show it.
    const ids: string[] = JSON.parse(
      execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import { randomUUIDBase64 } from ${JSON.stringify(script)}; console.log(JSON.stringify(Array.from({ length: 20000 }, randomUUIDBase64)))`,
        ],
        { encoding: 'utf8' },
      ),
    );
    expect(ids).toHaveLength(20000);
    expect(ids.filter((id) => id.startsWith('-'))).toEqual([]);
    expect(ids.filter((id) => !/^[A-Za-z0-9_-]{22}$/.test(id) || Buffer.from(id, 'base64url').length !== 16)).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
