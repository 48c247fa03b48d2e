/**
 * @module service/permissions
 * The check every operation that needs a permission makes (the table of what each role grants
 * is in `roles.ts`).
 */
import { WaymarkError } from '../errors.js';
import { allows, type Permission } from '../roles.js';
import type { Scope } from '../scope.js';

/**
 * Refuses (403 `forbidden`) a caller whose roles do not grant `permission`.
 *
 * @example
 * ```ts
 * requirePermission(scope, 'operate');
 * ```
 */
export function requirePermission(scope: Scope, permission: Permission): void {
  if (!allows(scope.roles, permission)) {
    throw new WaymarkError('forbidden', `This needs the '${permission}' permission, which the roles of '${scope.actor}' (${scope.roles.join(', ') || 'none'}) do not grant`, {
      details: { permission },
    });
  }
}
