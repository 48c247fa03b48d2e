/**
 * @module phases
 * A run's business phase: what it is doing for the business, next to DBOS's execution status.
 * The allowed transitions live in the database (`waymark.phase_transitions`), so every writer
 * — Waymark, a trigger, an operator's SQL — is held to the same rules.
 */

/**
 * Every phase a run can be in.
 *
 * @example
 * ```ts
 * if (run.phase === RunPhase.WaitingForApproval) notifyReviewer(run);
 * ```
 */
export const RunPhase = {
  Queued: 'queued',
  Running: 'running',
  WaitingForApproval: 'waiting_for_approval',
  WaitingForEvent: 'waiting_for_event',
  Escalated: 'escalated',
  Compensating: 'compensating',
  Completed: 'completed',
  Failed: 'failed',
  Cancelled: 'cancelled',
  RolledBack: 'rolled_back',
  CompensationFailed: 'compensation_failed',
} as const;

/** One of the values of the `RunPhase` object. */
export type RunPhase = (typeof RunPhase)[keyof typeof RunPhase];

/**
 * DBOS workflow statuses, as reported in a run's `status`.
 *
 * @example
 * ```ts
 * if (run.status === WorkflowStatus.Pending) console.log('executing');
 * ```
 */
export const WorkflowStatus = {
  Enqueued: 'ENQUEUED',
  Delayed: 'DELAYED',
  Pending: 'PENDING',
  Success: 'SUCCESS',
  Error: 'ERROR',
  Cancelled: 'CANCELLED',
  MaxRecoveryAttemptsExceeded: 'MAX_RECOVERY_ATTEMPTS_EXCEEDED',
} as const;

/** One of the values of the `WorkflowStatus` object. */
export type WorkflowStatus = (typeof WorkflowStatus)[keyof typeof WorkflowStatus];
