/**
 * @module agent/authority
 * A run acts with the authority of the API key that started it, and that authority is checked
 * again when the run is about to write, not only at the start: a write tool called by a run
 * whose key has since been revoked (or no longer grants `operate`) is not called. The run asks
 * a person instead — an approval assigned to the tenant's admins that shows the proposed call —
 * and continues with that person's authority, or fails with `authority_revoked`.
 *
 * Runs started by the CLI or an embedding application carry no key (the application vouches
 * for them) and are not checked. A fork acts with the authority of the operator who made it.
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import { NonRetryableError } from '../errors.js';
import { allows } from '../roles.js';
import { findApiKey } from '../store/api-keys.js';
import { appendRunEvent } from '../store/runs.js';
import type { Tool } from './define-tool.js';
import { requestApproval } from './request-approval.js';
import type { RunContext } from './run-context.js';
import { redact } from './tool-keys.js';

/**
 * Confirms, before a write tool is called, that the run's starting key still grants
 * `operate`; otherwise escalates to a person. Each check is a step of its own, so a recovered
 * run replays the verdict it acted on.
 *
 * @example
 * ```ts
 * if (tool.effect === 'write') await confirmAuthority(ctx, tool, input);
 * ```
 */
export async function confirmAuthority(ctx: RunContext, tool: Tool, input: unknown): Promise<void> {
  const keyId = ctx.startedByKey;
  if (keyId === null) return;
  const granted = await DBOS.runStep(
    async () => {
      const key = await ctx.db.read(ctx.scope, (q) => findApiKey(q, keyId));
      const ok = key !== undefined && key.revoked_at === null && allows(key.roles, 'operate');
      if (!ok) {
        await ctx.db.tx(ctx.scope, (q) =>
          appendRunEvent(q, {
            runId: ctx.runId, kind: 'authority_withdrawn', actor: 'system',
            reason: `the key that started the run (${keyId}) no longer grants 'operate'; '${tool.name}' waits for a person`,
            data: { keyId, tool: tool.name },
          }),
        );
      }
      return ok;
    },
    { name: 'waymark.authority.check' },
  );
  if (granted) return;
  const decision = await requestApproval({
    title: `Write '${tool.name}': the key that started this run was revoked`,
    proposal: { tool: tool.name, input: redact(input, tool.secret), startedByKey: keyId },
    assignees: { roles: ['admin'] },
  });
  if (decision.decision === 'approved') return;
  throw new NonRetryableError(`'${tool.name}' was not called: the key that started the run was revoked and ${decision.decidedBy} did not approve the call`, {
    code: 'authority_revoked',
    details: { tool: tool.name, keyId },
  });
}
