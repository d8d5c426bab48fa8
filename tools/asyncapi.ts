// `npm run asyncapi`: writes the AsyncAPI document of the contracts and records newly added event
// types as released. A released entry is never rewritten: an incompatible change needs a new
// event version, which the compatibility test enforces.
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { allContracts, buildAsyncApi, payloadSchemas } from '@ki/contracts';

const contractsDir = path.resolve(__dirname, '../libs/contracts');
const releasedFile = path.join(contractsDir, 'released-schemas.json');

fs.writeFileSync(path.join(contractsDir, 'asyncapi.json'), `${JSON.stringify(buildAsyncApi(), null, 2)}\n`);
const released = fs.existsSync(releasedFile) ? JSON.parse(fs.readFileSync(releasedFile, 'utf8')) : {};
const schemas = payloadSchemas();
const added = allContracts().filter((c) => !(c.type in released));
for (const c of added) released[c.type] = schemas[c.payload.name];
fs.writeFileSync(releasedFile, `${JSON.stringify(released, null, 2)}\n`);
console.log(`asyncapi.json: ${allContracts().length} event types; newly released: ${added.map((c) => c.type).join(', ') || 'none'}`);
