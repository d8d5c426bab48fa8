#!/usr/bin/env node
// `ki`, the operators' command line: compiles the TypeScript of src/ on the fly (@swc-node/register,
// with the workspace's tsconfig.json for the @ki/* paths) and runs it. npm links it as node_modules/.bin/ki.
const path = require('node:path');

process.env.SWC_NODE_PROJECT ??= path.resolve(__dirname, '../../tsconfig.json');
require('@swc-node/register');
require('./src/main.ts');
