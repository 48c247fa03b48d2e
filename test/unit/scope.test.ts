/** The scope of a caller: no edge may hand out the housekeeping tenant. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../src/logger.js';
import { SYSTEM_TENANT, createScope } from '../../src/scope.js';

test('no caller can act as the housekeeping tenant, which sees every tenant', () => {
  const log = createLogger('silent');
  assert.throws(() => createScope({ tenantId: SYSTEM_TENANT, actor: 'cli', roles: ['admin'] }, log), /not a tenant a caller can act for/);
  assert.throws(() => createScope({ tenantId: ' ', actor: 'cli', roles: ['admin'] }, log), /not a tenant/);
  const scope = createScope({ tenantId: 'acme', actor: 'cli', roles: ['admin'] }, log);
  assert.deepEqual([scope.tenantId, scope.actor, scope.roles, scope.keyId], ['acme', 'cli', ['admin'], null]);
});
