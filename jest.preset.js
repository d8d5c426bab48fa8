// Shared Jest settings. Each project's jest.config.js declares its test tiers as Jest projects:
//   unit  *.spec.ts      pure logic, no broker or database
//   int   *.int.spec.ts  against the real Kafka broker and PostgreSQL
//   e2e   *.e2e.spec.ts  across separate service processes
// so `jest --selectProjects int` runs one tier. Nx targets `test`, `int` and `e2e` do exactly that.
const fs = require('node:fs');
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');

// The Nx test targets write Jest's JSON report to .local/test-results/, and Jest does not create
// that folder: without this, `npx nx test <project>` on a fresh clone fails after its tests passed.
fs.mkdirSync(path.join(__dirname, '.local', 'test-results'), { recursive: true });

const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [`^${alias}$`, path.join(__dirname, target)]),
);

const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    {
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        target: 'es2022',
        keepClassNames: true,
      },
      module: { type: 'commonjs' },
      sourceMaps: 'inline',
    },
  ],
};

const base = {
  testEnvironment: 'node',
  setupFiles: ['reflect-metadata'],
  transform,
  moduleNameMapper,
  moduleFileExtensions: ['ts', 'js', 'json'],
};
const infraSetup = path.join(__dirname, 'libs/testing/src/jest/global-setup.ts');
const slowTier = path.join(__dirname, 'libs/testing/src/jest/slow-tier.ts');
const infraTeardown = path.join(__dirname, 'libs/testing/src/jest/global-teardown.ts');

/** The tiers of one project rooted at `dir`. */
function tiers(dir) {
  return [
    {
      ...base,
      displayName: { name: 'unit', color: 'green' },
      rootDir: dir,
      testMatch: ['<rootDir>/**/*.spec.ts'],
      testPathIgnorePatterns: ['\\.int\\.spec\\.ts$', '\\.e2e\\.spec\\.ts$', '/node_modules/'],
    },
    {
      ...base,
      displayName: { name: 'int', color: 'blue' },
      rootDir: dir,
      testMatch: ['<rootDir>/**/*.int.spec.ts'],
      globalSetup: infraSetup,
      globalTeardown: infraTeardown,
      setupFilesAfterEnv: [slowTier],
    },
    {
      ...base,
      displayName: { name: 'e2e', color: 'magenta' },
      rootDir: dir,
      testMatch: ['<rootDir>/**/*.e2e.spec.ts'],
      globalSetup: infraSetup,
      globalTeardown: infraTeardown,
      setupFilesAfterEnv: [slowTier],
    },
  ];
}

module.exports = { tiers };
