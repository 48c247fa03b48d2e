/**
 * @module http/openapi
 * The OpenAPI 3.1 document of the HTTP API, made from the operations in `operations.ts` — the
 * same zod schemas that validate requests — with zod 4's own `z.toJSONSchema` (JSON Schema
 * 2020-12, the dialect of OpenAPI 3.1). Every operation lists the problem+json answers it may
 * give: the codes every route of its kind shares (authentication, rate limit, body parsing, the
 * database) and the codes it declares itself, grouped by HTTP status, each an `enum` of `code`.
 */
import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from '../errors.js';
import { ROLES, allows } from '../roles.js';
import type { Operation } from './operation.js';
import { API_OPERATIONS } from './operations.js';
import { SECURE_SESSION_COOKIE, SESSION_COOKIE } from './console-session.js';
import { CSRF_HEADER } from './origin-guard.js';

type JsonSchema = Record<string, unknown>;

const COMPONENT_REF = '#/components/schemas/';

/** Codes any request may get, before its route is known. */
const EDGE_CODES: readonly ErrorCode[] = ['host_not_allowed', 'cross_origin_request', 'malformed_path', 'rate_limited', 'internal_error'];
/** Codes of a request that may carry a body. */
const BODY_CODES: readonly ErrorCode[] = ['unsupported_media_type', 'unsupported_encoding', 'malformed_json', 'malformed_body', 'body_too_large', 'csrf_header_required'];
/** Codes of a request whose answer reads the database. */
const DATABASE_CODES: readonly ErrorCode[] = ['database_unavailable', 'database_timeout'];

const Problem = {
  type: 'object',
  description: 'An RFC 9457 problem; `code` is stable (see docs/errors.md). Validation problems carry `issues`.',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string', description: '`urn:waymark:problem:<code>`' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string' },
    instance: { type: 'string' },
    issues: {
      type: 'array',
      items: {
        type: 'object',
        required: ['in', 'path', 'message'],
        properties: { in: { type: 'string' }, path: { type: 'array', items: { type: 'string' } }, message: { type: 'string' } },
      },
    },
    retryAfterSeconds: { type: 'integer', description: 'With 429: also sent as Retry-After' },
  },
  additionalProperties: true,
};

/**
 * Builds the document. `components.schemas` holds the schemas named with `.meta({ id })`.
 *
 * @example
 * ```ts
 * writeFileSync('docs/openapi.json', JSON.stringify(buildOpenApiDocument(), null, 2));
 * ```
 */
export function buildOpenApiDocument(operations: readonly Operation[] = API_OPERATIONS): Record<string, unknown> {
  const components: Record<string, JsonSchema> = { Problem };
  const schemaOf = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
    const { $schema: _dialect, $defs, ...rest } = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as JsonSchema;
    for (const [id, def] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>)) components[id] = toComponentRefs(def) as JsonSchema;
    return toComponentRefs(rest) as JsonSchema;
  };

  const paths: Record<string, Record<string, unknown>> = {};
  const seen = new Set<string>();
  for (const op of operations) {
    if (seen.has(op.operationId)) throw new Error(`Two operations are named ${op.operationId}`);
    seen.add(op.operationId);
    const item = (paths[op.path] ??= {});
    if (item[op.method]) throw new Error(`${op.method.toUpperCase()} ${op.path} is declared twice`);
    item[op.method] = describeOperation(op, schemaOf);
  }

  return {
    openapi: '3.1.1',
    info: {
      title: 'Waymark API',
      version: '1',
      description:
        'Durable execution for long-running AI-agent workflows. Every route but the health checks, signed webhooks and the ' +
        'console\'s sign-in needs `Authorization: Bearer <API key>` or, without that header, the console\'s session cookie; ' +
        `what a key may do follows from its roles (${ROLES.join(', ')}). ` +
        'Errors are RFC 9457 `application/problem+json` with a stable `code`. A state-changing request needs a JSON body ' +
        `or the header \`${CSRF_HEADER}: 1\`; with the session cookie, the header carries the session's CSRF token instead.`,
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    security: [{ apiKey: [] }, { consoleSession: [] }],
    tags: [...new Set(operations.map((o) => o.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'An API key (`wmk_<id>_<secret>`), made with `waymark keys create` or `POST /v1/keys`.' },
        consoleSession: {
          type: 'apiKey', in: 'cookie', name: SESSION_COOKIE,
          description:
            `The operator console's session (\`${SECURE_SESSION_COOKIE}\` over TLS), set by \`POST /console/session\`; it counts only ` +
            'when no `Authorization` header is sent. Requests with it must come from the same origin, and state-changing ones ' +
            `carry the session's CSRF token in \`${CSRF_HEADER}\`.`,
        },
        webhookSignature: {
          type: 'apiKey', in: 'header', name: 'waymark-signature',
          description: "`t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<raw body>\">`, keyed by the webhook source's secret.",
        },
      },
      schemas: Object.fromEntries(Object.entries(components).sort(([a], [b]) => a.localeCompare(b))),
    },
  };
}

function describeOperation(op: Operation, schemaOf: (s: z.ZodType, io: 'input' | 'output') => JsonSchema): Record<string, unknown> {
  const parameters = [
    ...parametersOf(op.params, 'path', schemaOf),
    ...parametersOf(op.query, 'query', schemaOf),
    ...parametersOf(op.headers, 'header', schemaOf),
  ];
  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(op.responses)) {
    const headers = r.headers && Object.fromEntries(Object.entries(r.headers).map(([name, description]) => [name, { description, schema: { type: 'string' } }]));
    responses[status] = {
      description: r.description,
      ...(headers ? { headers } : {}),
      // An answer with neither a schema nor a content type has no body (204).
      ...(r.schema || r.contentType ? { content: { [r.contentType ?? 'application/json']: r.schema ? { schema: schemaOf(r.schema, 'output') } : {} } } : {}),
    };
  }
  for (const [status, codes] of problemCodesByStatus(op)) {
    responses[status] = {
      description: codes.map((c) => `\`${c}\`: ${ERROR_CODES[c].summary}`).join('\n\n'),
      ...(status === 429 ? { headers: { 'retry-after': { description: 'Seconds to wait', schema: { type: 'string' } } } } : {}),
      content: {
        'application/problem+json': {
          schema: { allOf: [{ $ref: `${COMPONENT_REF}Problem` }, { type: 'object', required: ['code'], properties: { code: { type: 'string', enum: codes } } }] },
        },
      },
    };
  }
  const auth = op.auth ?? 'apiKey';
  return {
    operationId: op.operationId,
    summary: op.summary,
    description: [op.description, permissionNote(op)].filter(Boolean).join('\n\n') || undefined,
    tags: [op.tag],
    ...(auth === 'apiKey' ? {} : { security: auth === 'none' ? [] : [{ webhookSignature: [] }] }),
    ...(op.permission ? { 'x-waymark-permission': op.permission } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(op.body
      ? { requestBody: { required: !op.bodyOptional, content: { 'application/json': { schema: schemaOf(op.body, 'input') } } } }
      : {}),
    responses: Object.fromEntries(Object.entries(responses).sort(([a], [b]) => Number(a) - Number(b))),
  };
}

function parametersOf(schema: z.ZodObject | undefined, where: 'path' | 'query' | 'header', schemaOf: (s: z.ZodType, io: 'input') => JsonSchema): unknown[] {
  if (!schema) return [];
  const json = schemaOf(schema, 'input');
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries((json.properties ?? {}) as Record<string, JsonSchema>).map(([name, { description, ...s }]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    ...(typeof description === 'string' ? { description } : {}),
    schema: s,
  }));
}

/** The problem codes an operation may answer with, by status, each list sorted. */
export function problemCodesByStatus(op: Operation): [number, ErrorCode[]][] {
  const auth = op.auth ?? 'apiKey';
  const codes = new Set<ErrorCode>([...EDGE_CODES, ...(op.errors ?? [])]);
  if (op.method !== 'get') BODY_CODES.forEach((c) => codes.add(c));
  if (auth !== 'none') DATABASE_CODES.forEach((c) => codes.add(c));
  if (auth === 'apiKey') codes.add('unauthenticated');
  // A state-changing request made with the console's cookie instead of a key needs its CSRF token.
  if (auth === 'apiKey' && op.method !== 'get') codes.add('csrf_token_invalid');
  if (op.permission) codes.add('forbidden');
  if (op.params) codes.add('invalid_params');
  if (op.query) codes.add('invalid_query');
  if (op.headers) codes.add('invalid_headers');
  if (op.body && !op.rawBody) codes.add('invalid_body');
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of [...codes].sort()) {
    const status = ERROR_CODES[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return [...byStatus].sort(([a], [b]) => a - b);
}

function permissionNote(op: Operation): string | undefined {
  if (!op.permission) return undefined;
  const roles = ROLES.filter((r) => allows([r], op.permission!));
  return `Needs the \`${op.permission}\` permission (roles: ${roles.join(', ')}).`;
}

/** zod writes references to `#/$defs/<id>`; the document keeps them in `components.schemas`. */
function toComponentRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toComponentRefs);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' ? v.replace(/^#\/\$defs\//, COMPONENT_REF) : toComponentRefs(v)]),
  );
}
