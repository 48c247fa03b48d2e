#!/usr/bin/env node
// Runs the built CLI when present (an installed package), else the TypeScript sources via tsx
// (a git checkout, where tsx is a devDependency).
import { existsSync } from 'node:fs';

const built = new URL('../dist/src/cli.js', import.meta.url);
let cli;
if (existsSync(built)) {
  cli = await import(built.href);
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch (e) {
    if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes("'tsx'")) throw e;
    console.error(
      'waymark: dist/src/cli.js is missing and tsx is not installed, so there is nothing to run.\n' +
        'In a git checkout, run `npm install` (which installs tsx) or `npm run build`; ' +
        'an installed package ships dist/, so reinstall it.',
    );
    process.exit(1);
  }
  register();
  cli = await import(new URL('../src/cli.ts', import.meta.url).href);
}
await cli.main();
