import type { Server } from '@hapi/hapi';
import type Joi from 'joi';
import parse from 'joi-to-json';
import { ErrorSchema } from './schemas';

type JsonSchema = Record<string, unknown>;

interface RouteSettingsView {
  id?: string;
  description?: string;
  auth?: unknown;
  app?: { requiredScope?: string; rootKeyOnly?: boolean; responses?: Record<string, Joi.Schema | null>; conflicts?: readonly string[]; errors?: Record<string, string> };
  validate?: { params?: Joi.Schema; query?: Joi.Schema; payload?: Joi.Schema; headers?: Joi.Schema };
  response?: { status?: Record<string, Joi.Schema> };
}

interface ErrorStatus {
  description: string;
  headers?: Record<string, unknown>;
}

const WWW_AUTHENTICATE = { 'WWW-Authenticate': { description: 'Bearer', required: true, schema: { type: 'string' } } };
const RETRY_AFTER = { 'Retry-After': { description: 'seconds to wait before trying again', required: true, schema: { type: 'integer', minimum: 0 } } };

/**
 * The error statuses one route can answer, read from what the route declares rather than one list for
 * all: 400 when it validates anything or takes a body, 401/429/503 when it authenticates (a root key is
 * looked up in the database), 403 when it needs a scope, 404 when its path names an object, 409 for the
 * conflict codes it declares, 412 when it accepts If-Match, 408/413/415 when it takes a body, 500 always.
 */
export function errorStatuses(method: string, path: string, settings: RouteSettingsView): Record<string, ErrorStatus> {
  const validate = settings.validate ?? {};
  const validates = [validate.params, validate.query, validate.payload, validate.headers].some((schema) => schema != null);
  const takesBody = validate.payload != null || (method !== 'get' && method !== 'head');
  const authenticated = Boolean(settings.auth);
  const conflicts = settings.app?.conflicts ?? [];
  const statuses: Record<string, ErrorStatus | false> = {
    '400': (takesBody || validates) && { description: 'malformed or invalid request: error.details names each field and problem' },
    '401': authenticated && {
      description: 'missing, malformed or unknown root key',
      headers: WWW_AUTHENTICATE,
    },
    '403': settings.app?.requiredScope !== undefined && { description: `the root key lacks the scope ${settings.app.requiredScope}` },
    '404': path.includes('{') && { description: 'no such object in this workspace (another workspace\'s id is unknown here too)' },
    '408': takesBody && { description: 'the request body did not arrive within the request timeout; the connection is closed' },
    '409': conflicts.length > 0 && { description: `conflict with the current state; error.code is one of ${conflicts.join(', ')}` },
    '412': acceptsHeader(validate.headers, 'if-match') && { description: 'If-Match named a version that is no longer current' },
    '413': takesBody && { description: 'request body larger than this route accepts' },
    '415': takesBody && { description: 'request body not sent as Content-Type: application/json' },
    '429': authenticated && { description: 'too many requests or connections; retry after Retry-After seconds', headers: RETRY_AFTER },
    '500': { description: 'internal error; quote error.requestId when reporting it' },
    '503': authenticated && { description: 'the database cannot be reached in time; nothing was changed or consumed', headers: RETRY_AFTER },
  };
  // Answers a route declares beyond what its shape implies (sign-in's 401 and 429 come without a root key).
  const headersOf: Record<string, Record<string, unknown>> = { '401': WWW_AUTHENTICATE, '429': RETRY_AFTER };
  for (const [status, description] of Object.entries(settings.app?.errors ?? {})) statuses[status] = { description, ...(headersOf[status] ? { headers: headersOf[status] } : {}) };
  return Object.fromEntries(Object.entries(statuses).filter((entry): entry is [string, ErrorStatus] => entry[1] !== false));
}

function acceptsHeader(schema: Joi.Schema | undefined, name: string): boolean {
  const keys = (schema?.describe() as { keys?: Record<string, unknown> } | undefined)?.keys ?? {};
  return name in keys;
}

/**
 * The OpenAPI 3 document, generated from the routes' own Joi schemas: what is validated is what is
 * documented. Named schemas (Joi `.label()`) become shared components, referenced wherever they appear.
 */
export function buildOpenApi(server: Server, info: { title: string; version: string }): JsonSchema {
  const components: Record<string, JsonSchema> = {};
  const toSchema = (schema: Joi.Schema): JsonSchema => componentsOf(parse({ describe: () => marked(schema.describe()) } as never, 'open-api') as JsonSchema, components);
  toSchema(ErrorSchema);

  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of server.table()) {
    const settings = route.settings as RouteSettingsView;
    if (!(route.settings.tags ?? []).includes('api')) continue;
    const operation: Record<string, unknown> = {
      summary: settings.description,
      operationId: settings.id,
      parameters: [
        ...parameters(settings.validate?.params, 'path', toSchema),
        ...parameters(settings.validate?.query, 'query', toSchema),
        ...parameters(settings.validate?.headers, 'header', toSchema),
      ],
      responses: {} as Record<string, unknown>,
    };
    if (settings.validate?.payload) {
      // hapi hands an empty body to validation as null: a body is required when null does not pass.
      const required = settings.validate.payload.validate(null).error !== undefined;
      operation.requestBody = { required, content: { 'application/json': { schema: toSchema(settings.validate.payload) } } };
    }
    const responses = operation.responses as Record<string, unknown>;
    const successes = settings.app?.responses ?? settings.response?.status ?? {};
    for (const [status, schema] of Object.entries(successes)) {
      responses[status] = schema
        ? { description: Number(status) < 300 ? 'success' : 'failure, as the summary says', content: { 'application/json': { schema: toSchema(schema) } } }
        : { description: 'success, no body' };
    }
    for (const [status, { description, headers }] of Object.entries(errorStatuses(route.method, route.path, settings))) {
      responses[status] ??= { description, ...(headers ? { headers } : {}), content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    }
    if ((settings.auth as { strategies?: string[] } | undefined)?.strategies?.includes('session')) operation.security = [{ session: [] }];
    else if (settings.auth) {
      operation.security = [{ rootKey: settings.app?.requiredScope ? [settings.app.requiredScope] : [] }, ...(settings.app?.rootKeyOnly ? [] : [{ session: [] }])];
    }
    (paths[route.path] ??= {})[route.method] = operation;
  }
  return {
    openapi: '3.0.3',
    info,
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        rootKey: { type: 'http', scheme: 'bearer', description: 'a root key, e.g. acme_root_…' },
        session: { type: 'apiKey', in: 'cookie', name: 'keysmith_session', description: "an operator's session (POST /v1/auth/login); POST, PATCH and DELETE also need X-CSRF-Token" },
      },
    },
  };
}

function parameters(schema: Joi.Schema | undefined, location: 'path' | 'query' | 'header', toSchema: (s: Joi.Schema) => JsonSchema): unknown[] {
  if (!schema) return [];
  const converted = toSchema(schema);
  const properties = (converted.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((converted.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || required.has(name),
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
    schema: property,
  }));
}

/** Where a labelled schema stood, carried through joi-to-json (which copies `x-` metas) to `componentsOf`. */
const COMPONENT = 'x-component';

/** A Joi description in which every labelled schema carries its label as the `x-component` meta. */
function marked(description: unknown): unknown {
  if (Array.isArray(description)) return description.map(marked);
  if (description === null || typeof description !== 'object') return description;
  const node = Object.fromEntries(Object.entries(description).map(([key, value]) => [key, marked(value)])) as Record<string, unknown>;
  const label = (node.flags as { label?: unknown } | undefined)?.label;
  if (typeof node.type === 'string' && typeof label === 'string') node.metas = [...((node.metas as unknown[] | undefined) ?? []), { [COMPONENT]: label }];
  return node;
}

/**
 * Moves every marked schema into `components` (innermost first) and refers to it instead. A nullable use
 * becomes `allOf: [$ref]` with `nullable`, since OpenAPI 3.0 ignores a `$ref`'s siblings. Two different
 * schemas under one name are a mistake in the routes, refused here rather than documented wrongly.
 */
function componentsOf(schema: JsonSchema, components: Record<string, JsonSchema>): JsonSchema {
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value === null || typeof value !== 'object') return value;
    const { [COMPONENT]: name, ...rest } = Object.fromEntries(Object.entries(value).map(([key, child]) => [key, walk(child)])) as JsonSchema;
    // joi-to-json writes Joi.string().ip() as oneOf [{format: ipv4}, {format: ipv6}]: typeless members, `unknown` to generators.
    if (typeof rest.type === 'string' && Array.isArray(rest.oneOf)) rest.oneOf = rest.oneOf.map((member: JsonSchema) => ({ type: rest.type, ...member }));
    if (typeof name !== 'string') return rest;
    const { nullable, ...body } = rest;
    const existing = components[name];
    if (existing && JSON.stringify(existing) !== JSON.stringify(body)) throw new Error(`two different schemas are both labelled ${name}`);
    components[name] = body;
    const ref = { $ref: `#/components/schemas/${name}` };
    return nullable === true ? { allOf: [ref], nullable: true } : ref;
  };
  return walk(schema) as JsonSchema;
}
