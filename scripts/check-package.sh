#!/usr/bin/env bash
# Checks the package as a consumer gets it: builds, packs, installs the tarball into a fresh
# TypeScript app (strict, skipLibCheck off, node16 resolution, decorators on), type-checks code
# that imports each public entry, imports each entry under plain node, and asserts that the
# production dependency tree carries no TypeScript toolchain (tsx, esbuild, typescript).
# Reaches no network but the npm registry. Usage: npm run check:package
# (CHECK_PACKAGE_KEEP=1 keeps the temporary folder and prints its path.)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

fail() {
  echo "check-package: FAILED: $*" >&2
  exit 1
}

# What a consumer writes against each entry (subpath → TypeScript). A namespace import pulls the
# entry's whole declaration graph into the check; the named imports pin a few uses by name.
declare -A CONSUMER_CODE=(
  ['.']="import * as root from 'waymark';
import { z } from 'zod';
import { Waymark, WaymarkError, callTool, defineTool, requestApproval, sleep } from 'waymark';
const error: WaymarkError = new WaymarkError('consumer_check', 'the published types compile');
export const rootEntry: { names: string[]; code: string } = { names: Object.keys(root), code: error.code };
const Order = z.object({ id: z.string(), cents: z.number().int() });
const charge = defineTool({
  name: 'consumer.charge', effect: 'write', idempotent: true, timeoutMs: '30s',
  input: z.object({ id: z.string(), cents: z.number() }), output: z.object({ chargeId: z.string() }),
  async run(input, { idempotencyKey }) { return { chargeId: input.id + idempotencyKey }; },
});
export class Orders {
  @Waymark.workflow({ name: 'consumer.order', description: 'one declaration', input: Order, deadlineMs: '2h' })
  static async place(input: z.infer<typeof Order>): Promise<string> {
    const ok = await requestApproval({ title: 'pay', proposal: input, assignees: { roles: ['ops'] }, reminders: ['1d'] });
    await sleep('3d');
    return ok.decision === 'approved' ? (await callTool(charge, input)).chargeId : 'rejected';
  }
}
export const greet = Waymark.registerWorkflow({ name: 'consumer.greet', description: 'inferred input', input: z.object({ name: z.string() }) }, async (input) => input.name.toUpperCase());"
  ['./server']="import * as server from 'waymark/server';
import { startWaymark } from 'waymark/server';
export const serverEntry: { names: string[]; start: typeof startWaymark } = { names: Object.keys(server), start: startWaymark };"
  ['./testing']="import * as testing from 'waymark/testing';
import { TestClock } from 'waymark/testing';
export const testingEntry: string[] = Object.keys(testing);
export async function advance(clock: TestClock): Promise<number> { await clock.advance('3d'); return clock.now(); }"
  ['./client']="import * as clientEntry from 'waymark/client';
import { WaymarkApiError, WaymarkClient, type Run } from 'waymark/client';
export const clientNames: string[] = Object.keys(clientEntry);
export async function phaseOf(id: string): Promise<string> {
  const client = new WaymarkClient({ baseUrl: 'http://127.0.0.1:3000', apiKey: 'wmk_key' });
  try {
    const run: Run = await client.runs.get(id);
    return run.phase;
  } catch (e) {
    if (e instanceof WaymarkApiError && e.code === 'run_not_found') return 'missing';
    throw e;
  }
}"
)
ENTRY_ORDER=('.' './server' './testing' './client')

TYPESCRIPT_VERSION="$(node -p "require('./package.json').devDependencies.typescript")"
# The consumer writes its schemas with zod, as a Waymark application does (the version Waymark uses).
ZOD_VERSION="$(node -p "require('./package.json').dependencies.zod")"
[[ "$TYPESCRIPT_VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "devDependencies.typescript is '$TYPESCRIPT_VERSION'; pin an exact version"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/waymark-check-package-XXXXXX")"
cleanup() {
  if [[ -n "${CHECK_PACKAGE_KEEP:-}" ]]; then echo "check-package: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

echo "--- build"
npm run build >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; fail "npm run build"; }

echo "--- pack"
# The build above is the one packed; --ignore-scripts keeps a prepack hook from building twice.
npm pack --ignore-scripts --pack-destination "$WORK" --json >"$WORK/pack.json" || fail "npm pack"
TARBALL="$WORK/$(node -p "require(process.argv[1])[0].filename" "$WORK/pack.json")"
[[ -f "$TARBALL" ]] || fail "npm pack wrote no tarball at $TARBALL"
# What an installed package needs at run time: the built entries and CLI, the migrations, the
# bin, the console's static files.
node -e '
const [pack] = require(process.argv[1]);
const files = new Set(pack.files.map((f) => f.path));
const pkg = require("./package.json");
const need = ["bin/waymark.js", "dist/src/cli.js", "dist/src/index.js", "dist/src/index.d.ts", "dist/src/http/console-static.js",
  // The typed client, which the console loads as browser modules from /console/client/.
  "dist/src/client/waymark-client.js", "dist/src/client/api-types.js"];
// The console is served from these files as they are: nothing is built at install or start.
const fs = require("fs");
for (const dir of ["console", "console/pages"]) {
  for (const f of fs.readdirSync(dir)) if (/\.(html|js|css)$/.test(f)) need.push(`${dir}/${f}`);
}
for (const target of Object.values(pkg.exports ?? {})) {
  for (const file of typeof target === "string" ? [target] : Object.values(target)) need.push(file.replace(/^\.\//, ""));
}
const missing = need.filter((f) => !files.has(f));
if (![...files].some((f) => /^migrations\/.+\.sql$/.test(f))) missing.push("migrations/*.sql");
if (missing.length) { console.error("the tarball lacks: " + missing.join(", ")); process.exit(1); }
console.log(`${pack.filename}: ${pack.entryCount} files, ${pack.size} bytes packed`);
' "$WORK/pack.json" || fail "the packed files are incomplete (see package.json \"files\" and the build)"

# Entries the package declares; one in CONSUMER_CODE that it does not declare is skipped, loudly.
mapfile -t EXPORTED < <(node -p "Object.keys(require('./package.json').exports ?? { '.': 0 }).join('\n')")
ENTRIES=()
for entry in "${ENTRY_ORDER[@]}"; do
  if printf '%s\n' "${EXPORTED[@]}" | grep -qxF -- "$entry"; then
    ENTRIES+=("$entry")
  else
    echo "check-package: NOTE: package.json exports has no '$entry' entry; its consumer code is skipped"
  fi
done
for entry in "${EXPORTED[@]}"; do
  [[ -n "${CONSUMER_CODE[$entry]+set}" ]] || fail "package.json exports '$entry', which scripts/check-package.sh has no consumer code for"
done

echo "--- consumer app"
APP="$WORK/consumer"
mkdir -p "$APP/src"
cat >"$APP/package.json" <<EOF
{
  "name": "waymark-consumer-check",
  "private": true,
  "type": "module",
  "dependencies": { "waymark": "file:$TARBALL" },
  "devDependencies": { "typescript": "$TYPESCRIPT_VERSION", "zod": "$ZOD_VERSION" }
}
EOF
cat >"$APP/tsconfig.json" <<'EOF'
{
  "compilerOptions": {
    "target": "es2022",
    "module": "nodenext",
    "moduleResolution": "nodenext",
    "strict": true,
    "skipLibCheck": false,
    "experimentalDecorators": true,
    "noEmit": true
  },
  "include": ["src"]
}
EOF
for entry in "${ENTRIES[@]}"; do
  name="${entry#./}"; [[ "$entry" == "." ]] && name=root
  printf '%s\n' "${CONSUMER_CODE[$entry]}" >"$APP/src/$name.ts"
done

# Install scripts are skipped: nothing here starts Postgres, and they would only slow the check.
(cd "$APP" && npm install --ignore-scripts --no-audit --no-fund --prefer-offline >"$WORK/install.log" 2>&1) \
  || { cat "$WORK/install.log" >&2; fail "npm install of the packed tarball"; }

echo "--- tsc --noEmit (strict, skipLibCheck false)"
(cd "$APP" && ./node_modules/.bin/tsc --noEmit -p .) || fail "the published types do not compile in a strict consumer"

echo "--- import each entry under plain node"
for entry in "${ENTRIES[@]}"; do
  specifier="waymark${entry#.}"
  (cd "$APP" && node --input-type=module -e "await import('$specifier')") || fail "import('$specifier') fails without the dev toolchain"
done

echo "--- the console, served by the installed package"
# dist/src/http/console-static.js finds console/ beside dist/ in the installed package.
(cd "$APP" && node --input-type=module -e "
const { consoleDirectory } = await import('./node_modules/waymark/dist/src/http/console-static.js');
const dir = consoleDirectory();
if (!dir || !dir.endsWith('node_modules/waymark/console')) { console.error('console directory not found: ' + dir); process.exit(1); }
console.log('console files at ' + dir);
") || fail "the installed package does not find its console files"
# The console's API client comes from the compiled dist/src/client/ (there is no transpiler in a
# production install): served as browser modules, under the console's CSP.
(cd "$APP" && node --input-type=module -e "
import { createRequire } from 'node:module';
const express = createRequire(process.cwd() + '/node_modules/waymark/package.json')('express');
const { consoleFiles } = await import('./node_modules/waymark/dist/src/http/console-static.js');
const app = express();
app.use(consoleFiles());
const server = app.listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const base = 'http://127.0.0.1:' + server.address().port;
try {
  for (const [file, expect] of [['waymark-client.js', /export class WaymarkClient\b/], ['api-types.js', /export const OPERATION_ROUTES\b/]]) {
    const res = await fetch(base + '/console/client/' + file);
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    const csp = res.headers.get('content-security-policy') ?? '';
    if (res.status !== 200 || !/javascript/.test(type) || !expect.test(text) || !csp.includes(\"script-src 'self'\")) {
      console.error('GET /console/client/' + file + ': ' + res.status + ' ' + type + ' csp=' + csp + ' ' + text.slice(0, 300));
      process.exit(1);
    }
    console.log('GET /console/client/' + file + ': ' + res.status + ', ' + text.length + ' bytes');
  }
} finally {
  server.close();
}
") || fail "the installed package does not serve the console's API client"

echo "--- production dependency tree"
(cd "$APP" && npm ls --omit=dev --all --parseable >"$WORK/prod-tree.txt" 2>"$WORK/ls.log") \
  || { cat "$WORK/ls.log" >&2; fail "npm ls --omit=dev reports a broken production tree"; }
if grep -E '/node_modules/(tsx|esbuild|@esbuild/[^/]+|typescript)$' "$WORK/prod-tree.txt"; then
  fail "the production dependency tree above holds a TypeScript toolchain package"
fi
echo "$(wc -l <"$WORK/prod-tree.txt") packages in the production tree, none of tsx, esbuild, typescript"
echo "check-package: OK"
