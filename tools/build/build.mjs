#!/usr/bin/env node
// Production build: compiles a TypeScript entry point and every module it reaches to JavaScript
// with SWC (decorator metadata included, as Nest needs), so nothing compiles at run time.
//
//   node tools/build/build.mjs app <registry|funding-ledger|notifications|console>  → dist/apps/<app>/main.js
//   node tools/build/build.mjs cli                                                    → dist/tools/cli/ki.js
//   node tools/build/build.mjs package                                                → dist/packages/events (npm pack)
//
// Files keep their place relative to the repository root inside the output folder, so code that
// finds its data next to itself (__dirname: templates, CSV, JSON, the console page) still does;
// `@ki/*` imports become relative paths. The build fails when shipped code needs a package that
// is not a production dependency of package.json.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(repoRoot, 'package.json'));
const swc = require('@swc/core');
const rootPackage = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
const { compilerOptions } = JSON.parse(fs.readFileSync(path.join(repoRoot, 'tsconfig.base.json'), 'utf8'));

export const APPS = ['registry', 'funding-ledger', 'notifications', 'console'];

/** Data files an app reads next to its code: everything in its src/ but TypeScript and tests. */
const isAsset = (file) => !file.endsWith('.ts');

function swcOptions(file) {
  return {
    filename: file,
    swcrc: false,
    sourceMaps: true,
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
      baseUrl: repoRoot,
      paths: compilerOptions.paths,
    },
    module: { type: 'commonjs' },
  };
}

/** The TypeScript (or JSON) file a relative require of `from` names, if it is one of ours. */
function resolveLocal(from, specifier) {
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts'), base]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  throw new Error(`${path.relative(repoRoot, from)}: cannot resolve ${specifier}`);
}

function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * Compiles `entries` and everything they reach into `outDir`; returns the npm packages the
 * compiled code requires.
 */
function compileGraph(entries, outDir) {
  const pending = entries.map((e) => path.join(repoRoot, e));
  const seen = new Set();
  const packages = new Set();
  while (pending.length > 0) {
    const file = pending.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    const target = path.join(outDir, path.relative(repoRoot, file));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (!file.endsWith('.ts')) {
      fs.copyFileSync(file, target);
      continue;
    }
    const { code, map } = swc.transformFileSync(file, swcOptions(file));
    const js = target.replace(/\.ts$/, '.js');
    fs.writeFileSync(js, `${code}\n//# sourceMappingURL=${path.basename(js)}.map\n`);
    fs.writeFileSync(`${js}.map`, map);
    for (const [, specifier] of code.matchAll(/require\("([^"]+)"\)/g)) {
      if (specifier.startsWith('.')) pending.push(resolveLocal(file, specifier));
      else if (!specifier.startsWith('node:') && !builtinModules.includes(specifier)) packages.add(packageName(specifier));
    }
  }
  return packages;
}

/** Fails unless every package the shipped code requires is a production dependency; returns their pinned versions. */
function productionDependencies(packages, what) {
  const missing = [...packages].filter((p) => !rootPackage.dependencies[p]);
  if (missing.length > 0) throw new Error(`${what} requires ${missing.join(', ')}, which package.json does not list under dependencies`);
  return Object.fromEntries([...packages].sort().map((p) => [p, rootPackage.dependencies[p]]));
}

function copyAssets(dir, outDir) {
  for (const entry of fs.readdirSync(path.join(repoRoot, dir), { withFileTypes: true, recursive: true })) {
    const file = path.join(entry.parentPath, entry.name);
    if (entry.isFile() && isAsset(file)) {
      const target = path.join(outDir, path.relative(repoRoot, file));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(file, target);
    }
  }
}

/** Writes `outDir/<name>`, which loads the compiled entry point and exports what it exports (run or required). */
function writeLauncher(outDir, name, entry, shebang = false) {
  const relative = `./${entry.replace(/\.ts$/, '.js')}`;
  fs.writeFileSync(
    path.join(outDir, name),
    `${shebang ? '#!/usr/bin/env node\n' : ''}'use strict';\nmodule.exports = require(${JSON.stringify(relative)});\n`,
  );
  if (shebang) fs.chmodSync(path.join(outDir, name), 0o755);
}

export function buildApp(app) {
  if (!APPS.includes(app)) throw new Error(`unknown app "${app}"; one of ${APPS.join(', ')}`);
  const outDir = path.join(repoRoot, 'dist', 'apps', app);
  fs.rmSync(outDir, { recursive: true, force: true });
  const entry = `apps/${app}/src/main.ts`;
  const packages = compileGraph([entry], outDir);
  copyAssets(`apps/${app}/src`, outDir);
  writeLauncher(outDir, 'main.js', entry);
  productionDependencies(packages, app);
  return outDir;
}

export function buildCli() {
  const outDir = path.join(repoRoot, 'dist', 'tools', 'cli');
  fs.rmSync(outDir, { recursive: true, force: true });
  const entry = 'tools/cli/src/main.ts';
  productionDependencies(compileGraph([entry], outDir), 'ki');
  writeLauncher(outDir, 'ki.js', entry, true);
  return outDir;
}

/** The npm package of the event contracts and the typed publisher, for services outside this repository. */
export function buildPackage() {
  const outDir = path.join(repoRoot, 'dist', 'packages', 'events');
  fs.rmSync(outDir, { recursive: true, force: true });
  const entry = 'libs/messaging/src/package.ts';
  const dependencies = productionDependencies(compileGraph([entry], outDir), 'the events package');
  // Type declarations from the TypeScript compiler; `@ki/*` paths become relative as in the JavaScript.
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'libs/messaging/tsconfig.package.json'], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
  if (tsc.status !== 0) throw new Error('type declarations failed (tsc); see above');
  for (const entryFile of fs.readdirSync(outDir, { recursive: true, withFileTypes: true })) {
    if (!entryFile.name.endsWith('.d.ts')) continue;
    const file = path.join(entryFile.parentPath, entryFile.name);
    const text = fs.readFileSync(file, 'utf8').replace(/(from |import\()'(@ki\/[a-z-]+)'/g, (_, keyword, alias) => {
      let relative = path.relative(path.dirname(file), path.join(outDir, compilerOptions.paths[alias][0].replace(/\.ts$/, '')));
      if (!relative.startsWith('.')) relative = `./${relative}`;
      return `${keyword}'${relative}'`;
    });
    fs.writeFileSync(file, text);
  }
  writeLauncher(outDir, 'index.js', entry);
  fs.writeFileSync(path.join(outDir, 'index.d.ts'), `export * from './${entry.replace(/\.ts$/, '')}';\n`);
  const manifest = {
    name: '@ki-network/events',
    version: rootPackage.version,
    description: 'ki-network event contracts (CloudEvents envelope, payload classes, topics) and the typed Kafka publisher.',
    license: rootPackage.license,
    main: 'index.js',
    types: 'index.d.ts',
    engines: rootPackage.engines,
    dependencies,
  };
  fs.writeFileSync(path.join(outDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return outDir;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [what, name] = process.argv.slice(2);
  try {
    const builds = { app: () => buildApp(name), cli: buildCli, package: buildPackage };
    if (!builds[what]) throw new Error('usage: node tools/build/build.mjs app <name> | cli | package');
    console.log(`[build] ${path.relative(repoRoot, builds[what]())}`);
  } catch (err) {
    console.error(`[build] ${err.message}`);
    process.exit(1);
  }
}
