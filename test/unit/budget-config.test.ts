/**
 * Budget configuration that needs no database: the tenants' daily budgets from
 * `WAYMARK_TENANT_DAILY_BUDGET` and a workflow's declared budget.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { Waymark } from '../../src/agent/workflows.js';
import { parseTenantDailyBudgets, tenantDailyBudget } from '../../src/config.js';

test("tenants' daily budgets parse from JSON; a tenant without an entry gets '*', or none", () => {
  const b = parseTenantDailyBudgets('{"*":{"cost":50},"acme":{"tokens":1000,"calls":10}}');
  assert.deepEqual(tenantDailyBudget(b, 'acme'), { tokens: 1000, calls: 10 });
  assert.deepEqual(tenantDailyBudget(b, 'other'), { cost: 50 });
  assert.equal(tenantDailyBudget(parseTenantDailyBudgets('{"acme":{"cost":1}}'), 'other'), undefined);
  assert.deepEqual(parseTenantDailyBudgets(undefined), {});
  assert.throws(() => parseTenantDailyBudgets('{"acme":{"tokens":-1}}'), /Invalid configuration/);
  assert.throws(() => parseTenantDailyBudgets('{"acme":{"dollars":1}}'), /Invalid configuration/);
  assert.throws(() => parseTenantDailyBudgets('{'), /not JSON/);
});

test('a workflow budget is validated when declared; ask needs raiseBy', () => {
  const input = z.object({});
  const fn = async () => null;
  assert.throws(() => Waymark.registerWorkflow({ name: 'unit.budget-bad', description: 'x', input, budget: { perRun: { tokens: 1.5 } } }, fn), /budget is invalid/);
  assert.throws(() => Waymark.registerWorkflow({ name: 'unit.budget-ask', description: 'x', input, budget: { onExceeded: 'ask' } }, fn), /needs raiseBy/);
  const ok = Waymark.registerWorkflow({ name: 'unit.budget-ok', description: 'x', input, budget: { perRun: { calls: 3 }, perDay: { cost: 2 }, onExceeded: 'stop' } }, fn);
  assert.deepEqual(Waymark.definitionOf(ok).budget, { perRun: { calls: 3 }, perDay: { cost: 2 }, onExceeded: 'stop' });
});
