/**
 * The typed client as the console's browser modules: transpiled from source when run through
 * tsx, the compiled files as they are when installed, and a clear failure with neither.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { CLIENT_MODULES, clientDirectory, consoleClientModules } from '../../src/http/console-client.js';

/** Runs `fn` with a fresh temporary folder, removed afterwards. */
async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'waymark-console-client-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('from source, the client is transpiled to ES modules that load and import each other by their served names', async () => {
  assert.equal(clientDirectory(), path.resolve(import.meta.dirname, '../../src/client'));
  const modules = consoleClientModules();
  await inTempDir(async (dir) => {
    for (const name of CLIENT_MODULES) await writeFile(path.join(dir, name), await modules.load(name));
    const loaded = (await import(pathToFileURL(path.join(dir, 'waymark-client.js')).href)) as typeof import('../../src/client/waymark-client.js');
    const seen: { url: string; headers: Record<string, string> }[] = [];
    const client = new loaded.WaymarkClient({
      baseUrl: '',
      csrfToken: () => 'token-1',
      fetch: async (url, init) => {
        seen.push({ url: url as string, headers: init?.headers as Record<string, string> });
        return new Response(JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'No run r-1', code: 'run_not_found' }), { status: 404 });
      },
    });
    await assert.rejects(client.runs.cancel('r-1'), (e: unknown) => e instanceof loaded.WaymarkApiError && e.status === 404 && e.code === 'run_not_found');
    assert.deepEqual(seen.map((s) => [s.url, s.headers['x-waymark-csrf'], s.headers.authorization]), [['/v1/runs/r-1/cancel', 'token-1', undefined]]);
  });
});

test('compiled files are served as they are (less their source-map link), without a transpiler', async () => {
  await inTempDir(async (dir) => {
    await writeFile(path.join(dir, 'api-types.js'), 'export const OPERATION_ROUTES = {};\n//# sourceMappingURL=api-types.js.map\n');
    const modules = consoleClientModules(dir, () => Promise.reject(new Error('no transpiler here')));
    assert.equal(await modules.load('api-types.js'), 'export const OPERATION_ROUTES = {};\n');
  });
});

test('TypeScript without a transpiler fails saying so, and the next request tries again', async () => {
  await inTempDir(async (dir) => {
    await writeFile(path.join(dir, 'api-types.ts'), 'export const OPERATION_ROUTES = {} as const;\n');
    let installed = false;
    let transforms = 0;
    const modules = consoleClientModules(dir, async () => {
      if (!installed) throw new Error("Cannot find package 'esbuild'");
      return {
        transform: async (code) => {
          transforms++;
          return { code: code.replace(' as const', '') };
        },
      };
    });
    await assert.rejects(modules.load('api-types.js'), /is TypeScript and no transpiler is installed/);
    await assert.rejects(modules.load('waymark-client.js'), /neither .*waymark-client\.js nor .*waymark-client\.ts exists/);
    installed = true;
    assert.equal(await modules.load('api-types.js'), 'export const OPERATION_ROUTES = {};\n');
    await modules.load('api-types.js');
    assert.equal(transforms, 1, 'transpiled once, then kept');
  });
});
