/**
 * The API reports of the package's public entries: one `api/<name>.api.md` per entry of
 * package.json `exports`, made by API Extractor from the built declarations (run `npm run build`
 * first; the npm scripts do).
 *
 * `--check` (npm run api:check) fails when an entry's report is missing or differs from what the
 * code now exports, or when a report belongs to no entry. `--update` (npm run api:update)
 * rewrites the reports; commit them with the change to the public surface.
 */
import { ConsoleMessageId, Extractor, ExtractorConfig, ExtractorLogLevel } from '@microsoft/api-extractor';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

const mode = process.argv[2];
if (mode !== '--check' && mode !== '--update') {
  console.error('usage: api-report.ts --check | --update');
  process.exit(2);
}
const root = path.resolve(import.meta.dirname, '..');
const reportFolder = path.join(root, 'api');
const configPath = path.join(root, 'api-extractor.json');
const packageJsonPath = path.join(root, 'package.json');

interface PackageJson {
  exports?: Record<string, string | { types?: string }>;
}
const pkg = JSON.parse(readFileSync(packageJsonPath, 'utf8')) as PackageJson;

/** The report name of an export subpath: "." → waymark, "./server" → waymark-server. */
function reportName(subpath: string): string {
  return subpath === '.' ? 'waymark' : `waymark-${subpath.replace(/^\.\//, '').replaceAll('/', '-')}`;
}

const entries = Object.entries(pkg.exports ?? {}).map(([subpath, target]) => {
  const types = typeof target === 'string' ? undefined : target.types;
  if (!types) throw new Error(`package.json exports["${subpath}"] has no "types" condition; API Extractor reads the entry's .d.ts`);
  return { subpath, name: reportName(subpath), dts: path.join(root, types) };
});
if (!entries.length) throw new Error('package.json has no "exports": there is no public entry to report on');

let failed = false;
if (mode === '--update') mkdirSync(reportFolder, { recursive: true });
for (const entry of entries) {
  const reportFile = path.join(reportFolder, `${entry.name}.api.md`);
  if (!existsSync(entry.dts)) {
    console.error(`api: ${entry.subpath}: ${path.relative(root, entry.dts)} does not exist; did the build run, and does the entry's source exist?`);
    failed = true;
    continue;
  }
  if (mode === '--check' && !existsSync(reportFile)) {
    console.error(`api: ${entry.subpath}: no report ${path.relative(root, reportFile)}; run \`npm run api:update\` and commit it`);
    failed = true;
    continue;
  }
  const configObject = ExtractorConfig.loadFile(configPath);
  configObject.mainEntryPointFilePath = entry.dts;
  configObject.apiReport = { ...configObject.apiReport, enabled: true, reportFileName: entry.name };
  const config = ExtractorConfig.prepare({ configObject, configObjectFullPath: configPath, packageJsonFullPath: packageJsonPath });
  const result = Extractor.invoke(config, {
    localBuild: mode === '--update',
    messageCallback: (message) => {
      // A changed or new report is said below (with a diff when checking), not as API Extractor's
      // warnings, which would also count against the run.
      const reportMessages: string[] = [ConsoleMessageId.ApiReportNotCopied, ConsoleMessageId.ApiReportCopied, ConsoleMessageId.ApiReportCreated];
      if (reportMessages.includes(message.messageId)) message.logLevel = ExtractorLogLevel.None;
    },
  });
  if (mode === '--check' && result.apiReportChanged) {
    console.error(`api: ${entry.subpath}: the public surface differs from ${path.relative(root, reportFile)}:`);
    spawnSync('diff', ['-u', reportFile, config.reportTempFilePath], { stdio: ['ignore', 'inherit', 'inherit'] });
    console.error('api: if the change is intended, run `npm run api:update` and commit the report');
    failed = true;
  } else if (result.errorCount + result.warningCount > 0) {
    console.error(`api: ${entry.subpath}: API Extractor failed (${result.errorCount} errors, ${result.warningCount} warnings)`);
    failed = true;
  } else {
    console.log(`api: ${entry.subpath}: ${path.relative(root, reportFile)} ${mode === '--update' && result.apiReportChanged ? 'updated' : 'matches'}`);
  }
}

const expected = new Set(entries.map((e) => `${e.name}.api.md`));
const stale = existsSync(reportFolder) ? readdirSync(reportFolder).filter((f) => f.endsWith('.api.md') && !expected.has(f)) : [];
for (const file of stale) {
  if (mode === '--update') {
    rmSync(path.join(reportFolder, file));
    console.log(`api: removed api/${file}, which no entry of package.json exports produces`);
  } else {
    console.error(`api: api/${file} belongs to no entry of package.json exports; run \`npm run api:update\``);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
