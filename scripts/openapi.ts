/**
 * The OpenAPI document and the client's types, both made from the HTTP operations
 * (src/http/operations.ts):
 *
 * - `docs/openapi.json`: the document `GET /v1/openapi.json` serves;
 * - `src/client/api-types.ts`: its TypeScript types (openapi-typescript), which `waymark/client` uses.
 *
 * `npm run openapi` rewrites both; commit them with the change to the API. `npm run openapi:check`
 * (CI) validates the document against the OpenAPI 3.1 schema (@seriousme/openapi-schema-validator)
 * and fails when either file differs from what the code makes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import { buildOpenApiDocument } from '../src/http/openapi.js';

const mode = process.argv[2] ?? '--update';
if (mode !== '--check' && mode !== '--update') {
  console.error('usage: openapi.ts [--check | --update]');
  process.exit(2);
}
const root = path.resolve(import.meta.dirname, '..');
const DOC = path.join(root, 'docs/openapi.json');
const TYPES = path.join(root, 'src/client/api-types.ts');

const doc = buildOpenApiDocument();
const validation = await new Validator().validate(structuredClone(doc));
if (!validation.valid) {
  console.error('openapi: the document is not valid OpenAPI 3.1:');
  console.error(JSON.stringify(validation.errors, null, 2));
  process.exit(1);
}

const files: [string, string][] = [
  [DOC, `${JSON.stringify(doc, null, 2)}\n`],
  [
    TYPES,
    '/**\n * @module client/api-types\n * Generated from docs/openapi.json by `npm run openapi` (openapi-typescript): do not edit.\n */\n' +
      astToString(await openapiTS(doc as unknown as OpenAPI3, { alphabetize: true })) +
      '\n/** Each operation\'s method and path, for the client to call it by its id. */\n' +
      `export const OPERATION_ROUTES = {\n${operationRoutes().map(([id, [m, p]]) => `    ${id}: ['${m}', '${p}'],\n`).join('')}} as const;\n`,
  ],
];

/** operationId → [method, path], in the document's order. */
function operationRoutes(): [string, [string, string]][] {
  return Object.entries(doc.paths as Record<string, Record<string, { operationId: string }>>).flatMap(([p, item]) =>
    Object.entries(item).map(([method, op]): [string, [string, string]] => [op.operationId, [method.toUpperCase(), p]]),
  );
}

let stale = false;
for (const [file, text] of files) {
  const rel = path.relative(root, file);
  let current: string | undefined;
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === text) {
    console.log(`openapi: ${rel} is up to date`);
  } else if (mode === '--update') {
    writeFileSync(file, text);
    console.log(`openapi: wrote ${rel}`);
  } else {
    console.error(`openapi: ${rel} differs from what the HTTP operations make; run \`npm run openapi\` and commit it`);
    stale = true;
  }
}
console.log(`openapi: the document is valid OpenAPI ${String(doc.openapi)} (${Object.keys(doc.paths as object).length} paths)`);
if (stale) process.exit(1);
