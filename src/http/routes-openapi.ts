/**
 * @module http/routes-openapi
 * `GET /v1/openapi.json`: the API's OpenAPI 3.1 document. It is served to any authenticated
 * caller, like every other route: it names no secret, but it maps the whole surface (admin
 * routes included), which an anonymous caller has no need to see. The same document is
 * checked in as `docs/openapi.json` for readers without a key.
 */
import { Router } from 'express';
import { defineOperation, route } from './operation.js';
import { OpenApiDocumentSchema } from './response-schemas.js';

/** The document's own operation. */
export const openApiOperations = {
  getOpenApiDocument: defineOperation({
    method: 'get', path: '/v1/openapi.json', operationId: 'getOpenApiDocument', tag: 'meta',
    summary: 'This OpenAPI 3.1 document',
    responses: { 200: { description: 'The document', schema: OpenApiDocumentSchema } },
  }),
};

/**
 * The route serving the document (built once by `document`, on first request).
 *
 * @example
 * ```ts
 * app.use(openApiRoutes(buildOpenApiDocument));
 * ```
 */
export function openApiRoutes(document: () => object): Router {
  const r = Router();
  let json: string | undefined;
  route(r, openApiOperations.getOpenApiDocument, (_req, res) => {
    json ??= JSON.stringify(document());
    res.type('application/json').send(json);
  });
  return r;
}
