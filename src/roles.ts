/**
 * @module roles
 * What each of Waymark's roles may do. A principal holds roles; a route or an operation needs a
 * permission. Any other role name a key carries (`adjuster`) grants nothing here: it only makes
 * the key an assignee of approvals assigned to that role.
 */

/** Waymark's roles, from least to most (`metrics`: a Prometheus scraper's key, nothing else). */
export const ROLES = ['metrics', 'viewer', 'approver', 'operator', 'admin'] as const;

/** One of Waymark's roles. */
export type Role = (typeof ROLES)[number];

/**
 * What an operation needs:
 * * `read` — see runs, timelines, approvals, tool calls, dead letters, workflows, costs,
 *   circuit breakers;
 * * `decide` — decide approvals the principal is assigned to (by name or by role);
 * * `operate` — start, cancel, resume and fork runs, resolve in-doubt calls, retry and discard
 *   dead letters; reset circuit breakers (installation-wide: keys of tenant `default` only);
 * * `admin` — keys, the audit log, workers and versions, and deciding any approval;
 * * `metrics` — scrape `GET /metrics` (installation-wide: keys of tenant `default` only).
 */
export type Permission = 'read' | 'decide' | 'operate' | 'admin' | 'metrics';

const GRANTS: Record<Role, readonly Permission[]> = {
  metrics: ['metrics'],
  viewer: ['read', 'metrics'],
  approver: ['read', 'decide', 'metrics'],
  operator: ['read', 'operate', 'metrics'],
  admin: ['read', 'decide', 'operate', 'admin', 'metrics'],
};

/** A role name: lower-case letters, digits, `.`, `_` and `-`. */
export const ROLE_NAME = /^[a-z][a-z0-9._-]{0,62}$/;

/**
 * True when the roles grant `permission`.
 *
 * @example
 * ```ts
 * allows(['approver', 'adjuster'], 'decide'); // true
 * allows(['viewer'], 'operate');              // false
 * ```
 */
export function allows(roles: readonly string[], permission: Permission): boolean {
  return roles.some((r) => (GRANTS as Record<string, readonly Permission[] | undefined>)[r]?.includes(permission) === true);
}

/**
 * True when the principal is one of the approval's assignees: named as a user, or holding one
 * of its roles.
 *
 * @example
 * ```ts
 * isAssignee(scope, { users: ['ada@acme.example'], roles: ['adjuster'] });
 * ```
 */
export function isAssignee(scope: { actor: string; roles: readonly string[] }, assignees: { users: string[]; roles: string[] }): boolean {
  return assignees.users.includes(scope.actor) || assignees.roles.some((r) => scope.roles.includes(r));
}
