/**
 * @module http/routes-keys
 * Administration of a tenant: its API keys and its audit log (admin only), and `GET /v1/me`,
 * which tells any caller who the server thinks it is.
 */
import { Router } from 'express';
import { z } from 'zod';
import { NewApiKey, type ApiKeyService } from '../service/api-keys.js';
import { defineOperation, parseOperation, route } from './operation.js';
import { scopeOf } from './request-scope.js';
import { ApiKeySchema, AuditPageSchema, CreatedApiKeySchema, MeSchema } from './response-schemas.js';

/** The key, audit and identity operations, as the routes and the OpenAPI document use them. */
export const keyOperations = {
  getMe: defineOperation({
    method: 'get', path: '/v1/me', operationId: 'getMe', tag: 'keys',
    summary: 'Who the server takes the caller for: name, tenant, roles, key id',
    responses: { 200: { description: 'The principal', schema: MeSchema } },
  }),
  listKeys: defineOperation({
    method: 'get', path: '/v1/keys', operationId: 'listKeys', tag: 'keys', permission: 'admin',
    summary: "The tenant's API keys (never their secrets)",
    responses: { 200: { description: 'The keys', schema: z.object({ keys: z.array(ApiKeySchema) }) } },
  }),
  createKey: defineOperation({
    method: 'post', path: '/v1/keys', operationId: 'createKey', tag: 'keys', permission: 'admin',
    summary: 'Create an API key; its secret is in this answer only (stored hashed)',
    body: NewApiKey,
    responses: { 201: { description: 'The key and its secret', schema: CreatedApiKeySchema, headers: { location: 'The key: /v1/keys/{id}' } } },
  }),
  revokeKey: defineOperation({
    method: 'post', path: '/v1/keys/{id}/revoke', operationId: 'revokeKey', tag: 'keys', permission: 'admin',
    summary: 'Revoke a key at once',
    params: z.object({ id: z.string().regex(/^[0-9a-f]{16}$/, 'a key id is 16 hex digits') }),
    body: z.strictObject({}), bodyOptional: true,
    responses: { 200: { description: 'The revoked key', schema: ApiKeySchema } },
    errors: ['api_key_not_found', 'last_admin_key'],
  }),
  getAuditLog: defineOperation({
    method: 'get', path: '/v1/audit-log', operationId: 'getAuditLog', tag: 'keys', permission: 'admin',
    summary: "The tenant's audit log, newest first: keys created and revoked, refused requests",
    query: z.strictObject({
      action: z.string().min(1).max(100).optional().describe('Only this action (key.created, key.revoked, access.denied)'),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      before: z.string().regex(/^\d{1,18}$/).optional().describe('nextBefore of the previous page'),
    }),
    responses: { 200: { description: 'A page of entries', schema: AuditPageSchema } },
    errors: ['invalid_cursor'],
  }),
};

/**
 * Key, audit and identity routes.
 *
 * @example
 * ```ts
 * app.use(keyRoutes(keys));
 * ```
 */
export function keyRoutes(keys: ApiKeyService): Router {
  const r = Router();
  const ops = keyOperations;
  route(r, ops.getMe, (_req, res) => {
    const s = scopeOf(res);
    res.json({ name: s.actor, tenantId: s.tenantId, roles: s.roles, keyId: s.keyId });
  });
  route(r, ops.listKeys, async (_req, res) => {
    res.json({ keys: await keys.list(scopeOf(res)) });
  });
  route(r, ops.createKey, async (req, res) => {
    const created = await keys.create(scopeOf(res), parseOperation(ops.createKey, req).body);
    res.status(201).location(`/v1/keys/${created.apiKey.id}`).json(created);
  });
  route(r, ops.revokeKey, async (req, res) => {
    res.json(await keys.revoke(scopeOf(res), parseOperation(ops.revokeKey, req).params.id));
  });
  route(r, ops.getAuditLog, async (req, res) => {
    res.json(await keys.auditLog(scopeOf(res), parseOperation(ops.getAuditLog, req).query));
  });
  return r;
}
