/**
 * The insurance claim that chases a police report: ask on day 1, follow up on day 3, escalate
 * to a supervisor on day 5, resume the moment the report's webhook arrives, then ask an
 * adjuster to approve the payout (with reminders and an escalation of its own) and record the
 * decision on the claim. The days are real days; the tests run them on a controllable clock.
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import type { Knex } from 'knex';
import { z } from 'zod';
import { Waymark, db, notify, requestApproval, setRunPhase, setState, waitForEvent, type ApprovalDecision, type ReceivedEvent, type WorkflowStates } from '../src/index.js';

export const ClaimInput = z.object({
  claimId: z.string().regex(/^[A-Za-z0-9-]{1,64}$/),
  claimant: z.string().email(),
  amountCents: z.number().int().positive(),
});
export type ClaimInput = z.infer<typeof ClaimInput>;

/** What the police's system sends in the `police_report.received` webhook. */
export interface PoliceReport {
  reportNo: string;
  summary?: string;
}

const Payout = z.object({ amountCents: z.number().int().positive() });

/**
 * The claim's business states: drafted until the report is asked for, confirmed by the police
 * report's webhook (also after an escalation), paid once the payout is approved; escalated and
 * rolled back from anywhere. `GET /v1/runs?state=awaiting_report` lists the claims still waiting.
 */
export const CLAIM_STATES = {
  initial: 'drafted',
  transitions: {
    drafted: ['awaiting_report'],
    awaiting_report: ['confirmed'],
    confirmed: ['paid'],
    paid: [],
    escalated: ['confirmed'],
    rolled_back: [],
    '*': ['escalated', 'rolled_back'],
  },
  events: { 'police_report.received': 'confirmed' },
} as const satisfies WorkflowStates;

/**
 * The claim's steps and workflow.
 *
 * @example
 * ```ts
 * await InsuranceClaim.handle({ claimId: 'C-1', claimant: 'kim@example.com', amountCents: 250_000 });
 * ```
 */
export class InsuranceClaim {
  @db.transaction()
  static async open(input: ClaimInput): Promise<void> {
    await db.client('claims').insert({ id: input.claimId, run_id: DBOS.workflowID, claimant: input.claimant, amount_cents: input.amountCents, status: 'waiting_for_police_report' });
  }

  @db.transaction()
  static async recordReport(claimId: string, report: ReceivedEvent): Promise<void> {
    await db.client('claims').where({ id: claimId }).update({ status: 'waiting_for_adjuster', police_report: JSON.stringify(report.data), updated_at: db.client.fn.now() });
  }

  @db.transaction()
  static async recordDecision(claimId: string, d: ApprovalDecision<{ amountCents: number }>): Promise<void> {
    await db.client('claims').where({ id: claimId }).update({
      status: d.decision === 'approved' ? 'payout_approved' : 'payout_rejected',
      approved_amount_cents: d.decision === 'approved' ? d.value.amountCents : null,
      decided_by: d.decidedBy,
      updated_at: db.client.fn.now(),
    });
  }

  @Waymark.workflow({
    name: 'insurance-claim',
    description: 'Chases the police report (ask, follow up on day 3, escalate on day 5), waits for its webhook, then asks an adjuster to approve the payout.',
    input: ClaimInput,
    states: CLAIM_STATES,
  })
  static async handle(input: ClaimInput) {
    const { claimId } = input;
    await InsuranceClaim.open(input);
    const ask = (n: string, subject: string, to: { users?: string[]; roles?: string[] }) =>
      notify({ id: `claim:${claimId}:${n}`, kind: `claim.${n}`, subject, text: subject, recipients: { users: to.users ?? [], roles: to.roles ?? [] }, data: { claimId } });

    // Day 1: ask for the police report; day 3: follow up; day 5: escalate; then wait on.
    await ask('report-requested', `Claim ${claimId}: please send the police report`, { users: [input.claimant] });
    await setState('awaiting_report', { reason: 'police report requested' });
    const wait = (timeoutMs?: '2d') => waitForEvent<PoliceReport>({ source: 'police', type: 'police_report.received', key: claimId, ...(timeoutMs ? { timeoutMs } : {}) });
    let report = await wait('2d');
    if (report.status === 'timed_out') {
      await ask('report-follow-up', `Claim ${claimId}: we are still waiting for the police report`, { users: [input.claimant] });
      report = await wait('2d');
    }
    if (report.status === 'timed_out') {
      await setRunPhase('escalated', { reason: 'no police report after 5 days', data: { claimId } });
      await setState('escalated', { reason: 'no police report after 5 days' });
      await ask('report-escalated', `Claim ${claimId}: no police report after 5 days`, { roles: ['claims-supervisor'] });
      report = await wait();
    }
    if (report.status !== 'received') throw new Error('unreachable: a wait without timeout returned without an event');
    // The report's webhook moved the claim to `confirmed` when it was delivered (CLAIM_STATES.events).
    await InsuranceClaim.recordReport(claimId, report.event);

    const decision = await requestApproval({
      title: `Payout of claim ${claimId}`,
      proposal: { amountCents: input.amountCents },
      editSchema: Payout,
      assignees: { roles: ['adjuster'] },
      reminders: ['1d'],
      escalations: [{ afterMs: '2d', to: { roles: ['claims-supervisor'] } }],
      deadline: { afterMs: '10d', outcome: 'reject' },
    });
    await InsuranceClaim.recordDecision(claimId, decision);
    if (decision.decision === 'approved') await setState('paid', { reason: `payout approved by ${decision.decidedBy}` });
    else await setState('rolled_back', { reason: `payout rejected by ${decision.decidedBy}` });
    return { claimId, policeReport: report.event.data, decision: decision.decision, amountCents: decision.value.amountCents, decidedBy: decision.decidedBy };
  }
}

/**
 * The example's business table.
 *
 * @example
 * ```ts
 * await createClaimTables(knex);
 * ```
 */
export async function createClaimTables(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE IF NOT EXISTS public.claims (
      id                    text PRIMARY KEY,
      run_id                text NOT NULL,
      claimant              text NOT NULL,
      amount_cents          bigint NOT NULL,
      status                text NOT NULL,
      police_report         jsonb,
      approved_amount_cents bigint,
      decided_by            text,
      updated_at            timestamptz NOT NULL DEFAULT now()
    )`);
}
