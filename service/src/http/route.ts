import type { Lifecycle, ResponseToolkit, ServerRoute } from '@hapi/hapi';
import type Joi from 'joi';
import type { ConflictCode } from '../domain/errors';
import type { RootScope } from '../domain/model';
import { ROOT_KEY_STRATEGY, type RouteApp } from './auth';

export const DEFAULT_MAX_BYTES = 16 * 1024;

export interface ManagementRouteSpec {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  /** The root-key scope the call needs (an operator's session needs it among its role's scopes). */
  scope: RootScope;
  /** Take a root key only, never a session cookie. */
  rootKeyOnly?: boolean;
  /** The OpenAPI operationId (also the hapi route id, so hapi refuses a duplicate); the SDK's method names follow it. */
  operationId: string;
  description: string;
  validate?: { params?: Joi.Schema; query?: Joi.Schema; payload?: Joi.Schema; headers?: Joi.Schema };
  /** Success statuses and their body schemas (null = no body); used for response checks and the OpenAPI document. */
  responses: Record<number, Joi.Schema | null>;
  /** The conflict codes this call can answer 409 with (documented; none = no 409). */
  conflicts?: ConflictCode[];
  maxBytes?: number;
  handler: Lifecycle.Method;
}

/**
 * A /v1 route: root-key auth, a required scope, Joi on every input, a body size cap. hapi reads a body on
 * every method but GET, DELETE included, so each of those takes JSON alone, under one size cap.
 */
export function managementRoute(spec: ManagementRouteSpec): ServerRoute {
  const hasBody = spec.method !== 'GET';
  const status = Object.fromEntries(
    Object.entries(spec.responses).filter((entry): entry is [string, Joi.Schema] => entry[1] !== null),
  );
  const app: RouteApp & Pick<ManagementRouteSpec, 'responses' | 'conflicts'> = {
    requiredScope: spec.scope,
    ...(spec.rootKeyOnly ? { rootKeyOnly: true } : {}),
    responses: spec.responses,
    ...(spec.conflicts ? { conflicts: spec.conflicts } : {}),
  };
  return {
    method: spec.method,
    path: spec.path,
    options: {
      id: spec.operationId,
      auth: ROOT_KEY_STRATEGY,
      app,
      description: spec.description,
      tags: ['api'],
      validate: spec.validate ?? {},
      response: { status },
      ...(hasBody ? { payload: { maxBytes: spec.maxBytes ?? DEFAULT_MAX_BYTES, allow: 'application/json', parse: true } } : {}),
    },
    handler: spec.handler,
  };
}

/** An answer about a versioned object, with its version as ETag for the next If-Match. */
export function versioned(h: ResponseToolkit, object: { version: number }, body: object = object, status = 200) {
  return h.response(body).code(status).header('etag', `"${object.version}"`);
}
