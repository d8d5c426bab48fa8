import fs from 'node:fs';
import path from 'node:path';
import { buildAsyncApi } from './asyncapi';
import { allContracts } from './catalogue';
import { incompatibilities } from './compatibility';
import { JsonSchema, payloadSchemas } from './json-schema';

const read = (file: string) => JSON.parse(fs.readFileSync(path.join(__dirname, '..', file), 'utf8'));

describe('released contracts', () => {
  const released = read('released-schemas.json') as Record<string, JsonSchema>;
  const current = payloadSchemas();

  it.each(allContracts().map((c) => [c.type, c]))('%s is released (npm run asyncapi records new types)', (type) => {
    expect(Object.keys(released)).toContain(type);
  });

  it.each(Object.keys(released))('%s is still declared and compatible with its released schema', (type) => {
    const contract = allContracts().find((c) => c.type === type);
    expect(contract).toBeDefined();
    const problems = incompatibilities(released[type], current[contract?.payload.name ?? '']);
    expect({ type, problems, fix: 'publish a new version of the event instead' }).toEqual({ type, problems: [], fix: expect.any(String) });
  });

  it('has its committed AsyncAPI document up to date (npm run asyncapi)', () => {
    expect(read('asyncapi.json')).toEqual(buildAsyncApi());
  });
});
