/**
 * Configuration from the environment: defaults for a bare environment, and a bad variable
 * refused with one error that names it and says what is wrong.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ValidationError } from '../../src/errors.js';
import { loadConfig } from '../../src/config.js';

/** Asserts that `env` is refused with a message matching each of `patterns`. */
function refuses(env: NodeJS.ProcessEnv, ...patterns: RegExp[]): void {
  assert.throws(() => loadConfig(env), (e: unknown) => {
    assert.ok(e instanceof ValidationError, `expected a ValidationError, got ${String(e)}`);
    assert.equal(e.code, 'invalid_configuration');
    assert.match(e.message, /^Invalid configuration: /);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

test('a bare environment gets the documented defaults', () => {
  const c = loadConfig({});
  assert.equal(c.databaseUrl, undefined);
  assert.equal(c.port, 3000);
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.dataDir, path.resolve('.waymark'));
  assert.equal(c.embeddedPgPort, undefined);
  assert.equal(c.embeddedDbName, 'waymark');
  assert.equal(c.concurrency, 1000);
  assert.equal(c.leaseTtlMs, 30_000);
  assert.equal(c.logLevel, 'info');
  assert.deepEqual(c.webhookSecrets, {});
  assert.deepEqual(c.notify, { webhookUrl: undefined, smtpUrl: undefined, emailFrom: 'waymark@localhost' });
  assert.equal(typeof c.appVersion, 'string');
});

test('values are read and converted; an empty variable counts as unset', () => {
  const c = loadConfig({ PORT: '8080', WAYMARK_LEASE_TTL_MS: '5000', LOG_LEVEL: 'debug', WAYMARK_APP_VERSION: 'v7', HOST: '', WAYMARK_DATA_DIR: 'data/x' });
  assert.equal(c.port, 8080);
  assert.equal(c.leaseTtlMs, 5000);
  assert.equal(c.logLevel, 'debug');
  assert.equal(c.appVersion, 'v7');
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.dataDir, path.resolve('data/x'));
});

test('webhook secrets are split into sources; a secret may contain "="', () => {
  assert.deepEqual(loadConfig({ WAYMARK_WEBHOOK_SECRETS: 'police=s3cr=t,crm-2=x' }).webhookSecrets, { police: 's3cr=t', 'crm-2': 'x' });
});

test('options passed in code win over the environment', () => {
  assert.equal(loadConfig({ PORT: '8080' }, { port: 0 }).port, 0);
});

test('a port that is not a number, or out of range, is refused naming PORT', () => {
  refuses({ PORT: 'eighty' }, /PORT/);
  refuses({ PORT: '70000' }, /PORT/);
  refuses({ PORT: '80.5' }, /PORT/);
});

test('a DATABASE_URL that is not a URL is refused naming it', () => {
  refuses({ DATABASE_URL: 'postgres@127.0.0.1:5432/app' }, /DATABASE_URL/);
});

test('malformed webhook secrets and SMTP URLs say what they must look like', () => {
  refuses({ WAYMARK_WEBHOOK_SECRETS: 'police' }, /WAYMARK_WEBHOOK_SECRETS: must look like source=secret,other@tenant=secret2/);
  refuses({ WAYMARK_SMTP_URL: 'http://mail' }, /WAYMARK_SMTP_URL: must be an smtp:\/\/ or smtps:\/\/ URL/);
});

test('a lease below 300 ms, an unknown log level and a bad database name are refused', () => {
  refuses({ WAYMARK_LEASE_TTL_MS: '100' }, /WAYMARK_LEASE_TTL_MS/);
  refuses({ LOG_LEVEL: 'verbose' }, /LOG_LEVEL/);
  refuses({ WAYMARK_DB_NAME: 'My-DB' }, /WAYMARK_DB_NAME/);
});

test('every bad variable is listed in the one error', () => {
  refuses({ PORT: 'x', LOG_LEVEL: 'loud', WAYMARK_CONCURRENCY: '0' }, /PORT/, /LOG_LEVEL/, /WAYMARK_CONCURRENCY/);
});

test('variables Waymark does not know are ignored', () => {
  assert.equal(loadConfig({ PATH: '/usr/bin', SOMETHING_ELSE: '1' }).port, 3000);
});

test('tracing is off unless the OTEL_* variables ask for an exporter', () => {
  assert.equal(loadConfig({}).tracing.exporter, 'none');
  const on = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/', OTEL_SERVICE_NAME: 'billing', OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=abc%3D,team=ops' });
  assert.deepEqual(on.tracing, { exporter: 'otlp', url: 'http://collector:4318/v1/traces', headers: { 'x-api-key': 'abc=', team: 'ops' }, serviceName: 'billing' });
  assert.equal(loadConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/custom' }).tracing.url, 'http://c:4318/custom');
  assert.equal(loadConfig({ OTEL_TRACES_EXPORTER: 'otlp' }).tracing.url, 'http://localhost:4318/v1/traces');
  assert.equal(loadConfig({ OTEL_TRACES_EXPORTER: 'console' }).tracing.exporter, 'console');
  assert.equal(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }).tracing.exporter, 'none');
  assert.equal(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }).tracing.exporter, 'none');
  assert.equal(loadConfig({ WAYMARK_APP_NAME: 'acme', OTEL_TRACES_EXPORTER: 'otlp' }).tracing.serviceName, 'acme');
});

test('alerts go to the notification webhook unless one of their own is set; the public URL loses its trailing slash', () => {
  const c = loadConfig({ WAYMARK_NOTIFY_WEBHOOK_URL: 'http://chat/hook', WAYMARK_ALERT_EMAILS: 'a@x.test, b@x.test', WAYMARK_PUBLIC_URL: 'https://waymark.example.com/' });
  assert.deepEqual(c.alerts, { webhookUrl: 'http://chat/hook', emails: ['a@x.test', 'b@x.test'] });
  assert.equal(c.publicUrl, 'https://waymark.example.com');
  assert.equal(loadConfig({ WAYMARK_NOTIFY_WEBHOOK_URL: 'http://chat/hook', WAYMARK_ALERT_WEBHOOK_URL: 'http://ops/hook' }).alerts.webhookUrl, 'http://ops/hook');
});
