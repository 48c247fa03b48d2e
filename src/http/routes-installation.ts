/**
 * @module http/routes-installation
 * Workers and application versions. They are the installation's, not a tenant's: views for the
 * admins of the installation's own tenant (`default`), not of every tenant.
 */
import { Router, type RequestHandler } from 'express';
import { WaymarkError } from '../errors.js';
import { DEFAULT_TENANT } from '../scope.js';
import type { VersionService } from '../service/versions.js';
import type { WorkerService } from '../service/workers.js';
import { defineOperation, route } from './operation.js';
import { scopeOf } from './request-scope.js';
import { VersionListSchema, WorkerListSchema } from './response-schemas.js';

const INSTALLATION_ONLY = `Only admins of tenant '${DEFAULT_TENANT}' (the installation's) may call this; others get 403 forbidden.`;

/** The installation operations, as the routes and the OpenAPI document use them. */
export const installationOperations = {
  listWorkers: defineOperation({
    method: 'get', path: '/v1/workers', operationId: 'listWorkers', tag: 'installation', permission: 'admin',
    summary: 'Workers, their leases and how many runs each holds', description: INSTALLATION_ONLY,
    responses: { 200: { description: 'The workers', schema: WorkerListSchema } },
  }),
  listVersions: defineOperation({
    method: 'get', path: '/v1/versions', operationId: 'listVersions', tag: 'installation', permission: 'admin',
    summary: 'Application versions still holding runs, and their live workers', description: INSTALLATION_ONLY,
    responses: { 200: { description: 'The versions', schema: VersionListSchema } },
  }),
};

/**
 * Installation routes.
 *
 * @example
 * ```ts
 * app.use(installationRoutes(workers, versions));
 * ```
 */
export function installationRoutes(workers: WorkerService, versions: VersionService): Router {
  const r = Router();
  route(r, installationOperations.listWorkers, installationAdmin, async (_req, res) => {
    res.json({ workers: await workers.list(scopeOf(res)) });
  });
  route(r, installationOperations.listVersions, installationAdmin, async (_req, res) => {
    res.json({ versions: await versions.list(scopeOf(res)) });
  });
  return r;
}

/** Only the admins of the installation's tenant see what spans every tenant. */
const installationAdmin: RequestHandler = (_req, res, next) => {
  const scope = scopeOf(res);
  if (scope.tenantId !== DEFAULT_TENANT) {
    throw new WaymarkError('forbidden', `Workers and versions span every tenant: only admins of tenant '${DEFAULT_TENANT}' see them`, { details: { permission: 'installation' } });
  }
  next();
};
