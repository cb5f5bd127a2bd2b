import type { Server } from '@hapi/hapi';
import type Joi from 'joi';
import parse from 'joi-to-json';
import { ErrorSchema } from './schemas';

type JsonSchema = Record<string, unknown>;

interface RouteSettingsView {
  id?: string;
  description?: string;
  auth?: unknown;
  app?: { requiredScope?: string };
  validate?: { params?: Joi.Schema; query?: Joi.Schema; payload?: Joi.Schema; headers?: Joi.Schema };
  response?: { status?: Record<string, Joi.Schema> };
}

const ERROR_STATUSES: Record<string, string> = {
  '400': 'validation failed: error.details names each field and problem',
  '401': 'missing or unknown root key',
  '403': 'the root key lacks the scope this call needs',
  '404': 'no such object in this workspace',
  '409': 'conflict with the current state (error.code says which)',
  '412': 'If-Match named a version that is no longer current',
  '413': 'request body too large',
};

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
    const successes = (settings.app as { responses?: Record<string, unknown> } | undefined)?.responses ?? settings.response?.status ?? {};
    for (const [status, schema] of Object.entries(successes)) {
      responses[status] = schema
        ? { description: 'success', content: { 'application/json': { schema: toSchema(schema as Joi.Schema) } } }
        : { description: 'success, no body' };
    }
    if (settings.auth) {
      operation.security = [{ rootKey: settings.app?.requiredScope ? [settings.app.requiredScope] : [] }];
      for (const [status, description] of Object.entries(ERROR_STATUSES)) {
        responses[status] = { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
      }
    }
    (paths[route.path] ??= {})[route.method] = operation;
  }
  return {
    openapi: '3.0.3',
    info,
    paths,
    components: {
      schemas: components,
      securitySchemes: { rootKey: { type: 'http', scheme: 'bearer', description: 'a root key, e.g. acme_root_…' } },
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
