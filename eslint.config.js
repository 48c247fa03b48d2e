// Type-checked linting; floating promises are bugs in a durable-execution runtime.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.waymark/', 'bin/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', name: ['test', 'it', 'describe', 'suite'], package: 'node:test' }] },
      ],
      // Workflows are static methods registered with DBOS and passed around by reference.
      '@typescript-eslint/unbound-method': 'off',
      // DBOS steps and workflows must be async functions even when their body does not await.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  // The layers import downward only (docs/architecture.md): store, runtime, agent, service,
  // http and cli, app. No DBOS internals and no examples anywhere in the package.
  ...layerRules([
    { files: ['src/*.ts'], ignores: ['src/cli.ts', 'src/index.ts', 'src/server.ts', 'src/testing.ts'], above: ['./store', './runtime', './agent', './service', './http', './app', './cli'] },
    { files: ['src/store/**/*.ts'], above: ['../runtime', '../agent', '../service', '../http', '../app', '../cli'] },
    { files: ['src/runtime/**/*.ts'], above: ['../agent', '../service', '../http', '../app', '../cli'] },
    { files: ['src/agent/**/*.ts'], above: ['../service', '../http', '../app', '../cli'] },
    { files: ['src/service/**/*.ts'], above: ['../http', '../app', '../cli'] },
    { files: ['src/http/**/*.ts'], above: ['../app', '../cli'] },
    { files: ['src/app/**/*.ts'], above: ['../cli'] },
    // The client is what other applications import: nothing of the server may come with it.
    { files: ['src/client/**/*.ts', 'src/client.ts'], above: ['./store', './runtime', './agent', './service', './http', './app', './cli', '../store', '../runtime', '../agent', '../service', '../http', '../app', '../cli'] },
    { files: ['src/cli.ts', 'src/index.ts', 'src/server.ts', 'src/testing.ts'], above: [] },
  ]),
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
  // The console's browser modules: type-checked by `tsc -p console` (JSDoc), linted here without types.
  {
    files: ['console/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      globals: { window: 'readonly', document: 'readonly', location: 'readonly', fetch: 'readonly', URLSearchParams: 'readonly', FormData: 'readonly', Node: 'readonly', setInterval: 'readonly', clearInterval: 'readonly' },
    },
  },
);

/** One no-restricted-imports rule per layer: nothing from the layers above it. */
function layerRules(layers) {
  return layers.map(({ files, ignores, above }) => ({
    files,
    ...(ignores ? { ignores } : {}),
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          ...above.map((dir) => ({ group: [`${dir}/*`, `${dir}.js`], message: 'Layers import downward only (docs/architecture.md).' })),
          { group: ['@dbos-inc/dbos-sdk/internal/*'], message: "DBOS internals change without notice: use the SDK's public API." },
          { group: ['**/examples/*'], message: 'The package never imports the examples.' },
        ],
      }],
    },
  }));
}
