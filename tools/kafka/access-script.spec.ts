import { aclBindings } from '@ki/contracts';
import fs from 'node:fs';
import { ACCESS_SCRIPT, accessScript } from './access-script';

describe('the compose set-up script of topics and ACLs', () => {
  it('is generated from the declaration in libs/contracts (run `npm run kafka:access-script` after changing it)', () => {
    expect(fs.readFileSync(ACCESS_SCRIPT, 'utf8')).toBe(accessScript());
  });

  it('grants exactly the declared ACLs and nothing to anyone else', () => {
    const words = { Read: 'READ', Write: 'WRITE', Describe: 'DESCRIBE', DescribeConfigs: 'DESCRIBE_CONFIGS' } as Record<string, string>;
    const granted = accessScript()
      .split('\n')
      .filter((line) => line.startsWith('acl '))
      .flatMap((line) => {
        const [, principal, type, name, pattern, ops] = line.split(' ');
        return ops.split(',').map((op) => `${principal} ${words[op]} ${type.toUpperCase()} ${name.slice(1, -1)} ${pattern.toUpperCase()}`);
      });
    const declared = aclBindings().map((b) => `${b.principal} ${b.operation} ${b.resourceType} ${b.resourceName} ${b.patternType}`);
    expect(granted.sort()).toEqual(declared.sort());
    expect(accessScript()).toContain("acl User:ki-emitter topic 'ki.registry.centres.v1' literal Describe,DescribeConfigs\n");
  });

  it('keeps dead letters and the audit trail forever, with two in-sync copies of three', () => {
    expect(accessScript()).toContain('topic ki.dead-letters.v1 3 3 -1 2');
    expect(accessScript()).toContain('topic ki.operations.v1 3 3 -1 2');
  });
});
