/**
 * @module app/bind-scope
 * The embedding API's edge: a service whose methods take a {@link Scope} first, bound to one
 * caller's scope, so an application builds the scope once and calls `runs.start(req)`.
 */
import type { Scope } from '../scope.js';

/** The methods of `S` that take a scope first, without it. */
export type Bound<S> = {
  // Compared as parameter tuples: a method's parameters would otherwise be checked bivariantly,
  // and a method taking a string first (`authenticate(header)`) would pass for scope-first.
  readonly [K in keyof S as S[K] extends (...args: infer P) => unknown ? (P extends [Scope, ...unknown[]] ? K : never) : never]: S[K] extends (
    scope: Scope,
    ...args: infer A
  ) => infer R
    ? (...args: A) => R
    : never;
};

/**
 * Binds every scope-first method of `service` to `scope`.
 *
 * @example
 * ```ts
 * const runs = bindScope(runService, scope);
 * await runs.get(runId);
 * ```
 */
export function bindScope<S extends object>(service: S, scope: Scope): Bound<S> {
  return new Proxy(service, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (...args: unknown[]) => (value as (...a: unknown[]) => unknown).call(target, scope, ...args) : value;
    },
  });
}
