import type { RequestRoute } from '@hapi/hapi';
import { expect } from 'chai';
import type Joi from 'joi';
import { ROOT_SCOPES, type RootScope } from '../../src/domain/model';
import { forEachDialect } from '../helpers/databases';
import { Harness } from '../helpers/harness';

/**
 * Authentication, scopes and tenancy over every route the server has, read from `server.table()`, so a
 * route added later is held to the same rules without anyone remembering to add it here: a route this
 * suite cannot exercise (no root key, no scope, an object id it has no other workspace's object for, an
 * id in its input without a cross-workspace probe) fails it.
 */

/** The routes that take no credential, on purpose (sign-in and the first owner's setup are how one gets one). */
const PUBLIC = [
  'get /healthz', 'get /readyz', 'get /openapi.json', 'get /metrics', '* /{p*}', 'get /console', 'get /console/{path*}',
  'post /v1/auth/login', 'get /v1/auth/setup', 'post /v1/auth/setup',
];

/** Password for the operators this suite signs in. */
const PASSWORD = 'security suite password';

/** What each kind of path id names (the params' `idParam(what)` description), to find another workspace's object. */
type Fixtures = Record<string, string>;

/** A valid body for the calls that refuse an empty one and have an object id in their path. */
const BODIES: Record<string, unknown> = {
  updateKey: { name: 'renamed' },
  updateQuotaPolicy: { name: 'renamed' },
  updateOperator: { role: 'viewer' },
};

/** Inputs that are ids (query or body fields), which must not reach another workspace's objects. */
const ID_FIELD = /^(id|ids)$|[a-z](Id|Ids)$/;

interface Answer {
  status: number;
  headers: Record<string, string | undefined>;
  body: { error?: { code: string; message: string }; [name: string]: unknown };
}

interface Call {
  authorization?: string;
  /** A session cookie and, unless null, the X-CSRF-Token to send with it. */
  session?: { cookie: string; csrf: string | null };
  payload?: unknown;
}

type Transport = (method: string, path: string, call: Call) => Promise<Answer>;

const isSessionOnly = (route: RequestRoute): boolean => ((route.settings.auth as { strategies?: string[] } | false | undefined) || undefined)?.strategies?.includes('session') === true;
const headersOf = (call: Call): Record<string, string> => ({
  ...(call.authorization ? { authorization: call.authorization } : {}),
  ...(call.session ? { cookie: call.session.cookie, ...(call.session.csrf !== null ? { 'x-csrf-token': call.session.csrf } : {}) } : {}),
});
const scopeOf = (route: RequestRoute): RootScope | undefined => (route.settings.app as { requiredScope?: RootScope } | undefined)?.requiredScope;
const nameOf = (route: RequestRoute): string => route.settings.id ?? `${route.method} ${route.path}`;
const keysOf = (schema: unknown): string[] => Object.keys(((schema as Joi.Schema | null)?.describe() as { keys?: object } | undefined)?.keys ?? {});

forEachDialect('every route: root key, scope and workspace', (dialect) => {
  let h: Harness;
  let base: string;
  let routes: RequestRoute[];
  /** The calls about the session itself: the cookie is their only credential. */
  let sessionRoutes: RequestRoute[];
  let sessions: Record<'owner' | 'viewer', { cookie: string; csrf: string }>;
  let globex: { key: { id: string; version: number }; secret: string; policy: { id: string; version: number } };
  let fixtures: Fixtures;

  before(async () => {
    h = await Harness.start(dialect);
    await h.server.start();
    base = `http://127.0.0.1:${h.server.info.port}`;
    const guarded = h.server.table().filter((route) => !PUBLIC.includes(`${route.method} ${route.path}`));
    routes = guarded.filter((route) => !isSessionOnly(route));
    sessionRoutes = guarded.filter(isSessionOnly);
    const acme = { workspaceId: h.tenants.acme.workspaceId, actor: { type: 'system' as const, id: 'test' } };
    const signIn = async (role: 'owner' | 'viewer') => {
      await h.app.services.operators.add(acme, { email: `${role}@acme.test`, role, password: PASSWORD });
      const res = await h.server.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: `${role}@acme.test`, password: PASSWORD } });
      const cookie = String(res.headers['set-cookie']).split(';')[0]!;
      return { cookie, csrf: JSON.parse(res.payload).csrfToken as string };
    };
    sessions = { owner: await signIn('owner'), viewer: await signIn('viewer') };
    const globexOperator = await h.app.services.operators.add(
      { workspaceId: h.tenants.globex.workspaceId, actor: { type: 'system', id: 'test' } },
      { email: 'someone@globex.test', role: 'developer', password: PASSWORD },
    );
    const created = await h.createKey({ name: 'globex own' }, 'globex');
    const policy = await h.inject('POST', '/v1/quota-policies', { payload: { name: 'globex plan', quota: { daily: 5 } }, as: 'globex' });
    globex = { key: created.key as { id: string; version: number }, secret: created.secret, policy: JSON.parse(policy.payload) };
    const globexRootKey = (await h.app.services.rootKeys.list(h.tenants.globex.workspaceId))[0]!;
    fixtures = { 'key id': globex.key.id, 'quota policy id': globex.policy.id, 'root key id': globexRootKey.id, 'operator id': globexOperator.id };
  });
  after(() => h.stop());

  // Both ways in: hapi's router through inject, and a real socket, where POST /v1/verify takes the verify lane.
  const transports: Record<string, Transport> = {
    inject: async (method, path, call) => {
      const res = await h.server.inject({
        method,
        url: path,
        headers: headersOf(call),
        ...(call.payload !== undefined ? { payload: call.payload as object } : {}),
      });
      return { status: res.statusCode, headers: res.headers as Answer['headers'], body: res.payload ? JSON.parse(res.payload) : {} };
    },
    http: async (method, path, call) => {
      const res = await fetch(base + path, {
        method: method.toUpperCase(),
        headers: { ...headersOf(call), ...(call.payload !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(call.payload !== undefined ? { body: JSON.stringify(call.payload) } : {}),
      });
      const text = await res.text();
      return { status: res.status, headers: Object.fromEntries(res.headers.entries()), body: text ? JSON.parse(text) : {} };
    },
  };

  /** The route's path with every id filled from `ids` (by what the id names), or an error saying why it cannot be. */
  const pathFor = (route: RequestRoute, ids: Fixtures | 'any'): string | Error => {
    let path = route.path;
    const params = (route.settings.validate as { params?: Joi.Schema | null } | undefined)?.params;
    const described = (params?.describe() as { keys?: Record<string, { flags?: { description?: string } }> } | undefined)?.keys ?? {};
    for (const name of route.path.match(/\{(\w+)\??\}/g)?.map((p) => p.replace(/[{}?]/g, '')) ?? []) {
      const what = described[name]?.flags?.description;
      const id = ids === 'any' ? 'unknown_id_0' : what !== undefined ? ids[what] : undefined;
      if (id === undefined) return new Error(`${nameOf(route)}: no other workspace's object for path param ${name} (${what ?? 'no description'}); add one to the fixtures`);
      path = path.replace(new RegExp(`\\{${name}\\??\\}`), id);
    }
    return path;
  };

  it('has a root key on every route but the public ones and those about the session itself', () => {
    const open = routes.filter((route) => !route.settings.auth);
    expect(open.map(nameOf), 'routes without a root key').to.deep.equal([]);
    expect(routes.length, 'the routes this suite covers').to.be.at.least(20);
    expect(sessionRoutes.map(nameOf).sort()).to.deep.equal(['changePassword', 'getSession', 'logout']);
  });

  for (const [transport, via] of Object.entries({ inject: 'inject', http: 'http' })) {
    describe(`through ${via === 'http' ? 'a real socket (the verify lane included)' : "hapi's router (inject)"}`, () => {
      const send = (method: string, path: string, call: Call) => transports[transport]!(method, path, call);

      it('answers 401 with WWW-Authenticate: Bearer without a root key, with a malformed one and with an unknown one', async () => {
        const failures: string[] = [];
        for (const route of routes) {
          const path = pathFor(route, 'any') as string;
          for (const authorization of [undefined, 'Basic YWxhZGRpbjpvcGVu', `Bearer ${h.tenants.acme.rootKey.slice(0, -4)}AAAA`]) {
            const answer = await send(route.method, path, { ...(authorization ? { authorization } : {}) });
            const problem =
              answer.status !== 401 ? `status ${answer.status}` :
              answer.headers['www-authenticate'] !== 'Bearer' ? `WWW-Authenticate ${answer.headers['www-authenticate']}` :
              answer.body.error?.code !== 'UNAUTHORIZED' ? `code ${answer.body.error?.code}` : undefined;
            if (problem) failures.push(`${nameOf(route)} with ${authorization ?? 'no Authorization'}: ${problem}`);
          }
        }
        expect(failures).to.deep.equal([]);
      });

      it("answers 403 naming the scope to a root key without the route's scope, and lets one with only that scope through", async () => {
        const lacking = Object.fromEntries(
          await Promise.all(ROOT_SCOPES.map(async (scope) => [scope, await h.rootKeyWithScopes(ROOT_SCOPES.filter((s) => s !== scope))] as const)),
        );
        const only = Object.fromEntries(await Promise.all(ROOT_SCOPES.map(async (scope) => [scope, await h.rootKeyWithScopes([scope])] as const)));
        const failures: string[] = [];
        for (const route of routes) {
          const scope = scopeOf(route);
          if (!scope) {
            failures.push(`${nameOf(route)}: needs no scope`);
            continue;
          }
          const path = pathFor(route, 'any') as string;
          const refused = await send(route.method, path, { authorization: `Bearer ${lacking[scope]}` });
          if (refused.status !== 403 || refused.body.error?.code !== 'FORBIDDEN' || !refused.body.error.message.includes(scope)) {
            failures.push(`${nameOf(route)} without ${scope}: ${refused.status} ${JSON.stringify(refused.body)}`);
          }
          const admitted = await send(route.method, path, { authorization: `Bearer ${only[scope]}` });
          if (admitted.status === 401 || admitted.status === 403) failures.push(`${nameOf(route)} with only ${scope}: ${admitted.status}`);
        }
        expect(failures).to.deep.equal([]);
      });

      it("holds a session to its role's scopes: 403 naming the scope for a viewer, through for an owner; root-key-only calls answer 401", async () => {
        const failures: string[] = [];
        for (const route of routes) {
          const scope = scopeOf(route)!;
          const path = pathFor(route, 'any') as string;
          const rootKeyOnly = (route.settings.app as { rootKeyOnly?: boolean } | undefined)?.rootKeyOnly === true;
          const owner = await send(route.method, path, { session: sessions.owner });
          if (rootKeyOnly) {
            if (owner.status !== 401) failures.push(`${nameOf(route)} with a session: ${owner.status}, not 401`);
            continue;
          }
          if (owner.status === 401 || owner.status === 403) failures.push(`${nameOf(route)} as an owner: ${owner.status} ${JSON.stringify(owner.body)}`);
          if (scope === 'keys:read') continue;
          const viewer = await send(route.method, path, { session: sessions.viewer });
          if (viewer.status !== 403 || viewer.body.error?.code !== 'FORBIDDEN' || !viewer.body.error.message.includes(scope)) {
            failures.push(`${nameOf(route)} as a viewer: ${viewer.status} ${JSON.stringify(viewer.body)}`);
          }
        }
        expect(failures).to.deep.equal([]);
      });

      it('answers a state-changing session call without its X-CSRF-Token 403 CSRF_FAILED, and session calls without a session 401', async () => {
        const failures: string[] = [];
        const changing = [...routes, ...sessionRoutes].filter((r) => r.method !== 'get' && (r.settings.app as { rootKeyOnly?: boolean } | undefined)?.rootKeyOnly !== true);
        for (const route of changing) {
          const answer = await send(route.method, pathFor(route, 'any') as string, { session: { ...sessions.owner, csrf: null } });
          if (answer.status !== 403 || answer.body.error?.code !== 'CSRF_FAILED') failures.push(`${nameOf(route)} without CSRF: ${answer.status} ${JSON.stringify(answer.body)}`);
        }
        for (const route of sessionRoutes) {
          for (const call of [{}, { authorization: `Bearer ${h.tenants.acme.rootKey}` }, { session: { cookie: 'keysmith_session=unknown', csrf: 'x' } }]) {
            const answer = await send(route.method, route.path, call);
            if (answer.status !== 401 || answer.body.error?.code !== 'UNAUTHORIZED') failures.push(`${nameOf(route)} with ${JSON.stringify(call)}: ${answer.status}`);
          }
        }
        expect(failures).to.deep.equal([]);
      });

      it("answers 404 for another workspace's object in the path, and leaves that object as it was", async () => {
        const failures: string[] = [];
        for (const route of routes.filter((r) => r.path.includes('{'))) {
          const path = pathFor(route, fixtures);
          if (path instanceof Error) {
            failures.push(path.message);
            continue;
          }
          const payloadSchema = (route.settings.validate as { payload?: Joi.Schema | null } | undefined)?.payload;
          const needsBody = payloadSchema != null && payloadSchema.validate(null).error !== undefined;
          const id = nameOf(route);
          if (needsBody && !(id in BODIES)) {
            failures.push(`${id}: needs a body to reach its handler; add a valid one to BODIES`);
            continue;
          }
          const answer = await send(route.method, path, { authorization: `Bearer ${h.tenants.acme.rootKey}`, ...(needsBody ? { payload: BODIES[id] } : {}) });
          if (answer.status !== 404 || answer.body.error?.code !== 'NOT_FOUND') failures.push(`${id} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
        }
        expect(failures).to.deep.equal([]);
        const key = JSON.parse((await h.inject('GET', `/v1/keys/${globex.key.id}`, { as: 'globex' })).payload);
        expect(key).to.include({ version: globex.key.version, status: 'active', name: 'globex own' });
        const policy = JSON.parse((await h.inject('GET', `/v1/quota-policies/${globex.policy.id}`, { as: 'globex' })).payload);
        expect(policy).to.include({ version: globex.policy.version, name: 'globex plan' });
      });

      it("does not reach another workspace's object through an id in the query or body", async () => {
        const acme = `Bearer ${h.tenants.acme.rootKey}`;
        const own = await h.createKey({ name: `acme own ${transport}` });
        /** One probe per call that takes an id outside its path: what it answers for another workspace's id. */
        const probes: Record<string, () => Promise<string | undefined>> = {
          listAuditEvents: async () => {
            const answer = await send('get', `/v1/audit-events?keyId=${globex.key.id}`, { authorization: acme });
            return answer.status === 200 && (answer.body.items as unknown[]).length === 0 ? undefined : `${answer.status} ${JSON.stringify(answer.body)}`;
          },
          bulkKeyAction: async () => {
            const answer = await send('post', '/v1/keys/bulk', { authorization: acme, payload: { action: 'revoke', ids: [globex.key.id] } });
            const [result] = answer.body.results as Array<{ ok: boolean; error?: { code: string } }>;
            return answer.status === 200 && result?.ok === false && result.error?.code === 'NOT_FOUND' ? undefined : `${answer.status} ${JSON.stringify(answer.body)}`;
          },
          createKey: async () => {
            const answer = await send('post', '/v1/keys', { authorization: acme, payload: { name: `borrowing ${transport}`, quotaPolicyId: globex.policy.id } });
            return answer.status === 400 && answer.body.error?.message.includes('quotaPolicyId') ? undefined : `${answer.status} ${JSON.stringify(answer.body)}`;
          },
          updateKey: async () => {
            const answer = await send('patch', `/v1/keys/${own.key.id}`, { authorization: acme, payload: { quotaPolicyId: globex.policy.id } });
            return answer.status === 400 && answer.body.error?.message.includes('quotaPolicyId') ? undefined : `${answer.status} ${JSON.stringify(answer.body)}`;
          },
          verifyKey: async () => {
            const answer = await send('post', '/v1/verify', { authorization: acme, payload: { key: globex.secret } });
            return answer.status === 200 && answer.body.code === 'INVALID' ? undefined : `${answer.status} ${JSON.stringify(answer.body)}`;
          },
        };
        const failures: string[] = [];
        for (const route of routes) {
          const validate = route.settings.validate as { query?: Joi.Schema | null; payload?: Joi.Schema | null } | undefined;
          const idFields = [...keysOf(validate?.query), ...keysOf(validate?.payload)].filter((field) => ID_FIELD.test(field));
          const probe = probes[nameOf(route)];
          if (idFields.length > 0 && !probe) failures.push(`${nameOf(route)}: takes ${idFields.join(', ')} but has no cross-workspace probe here`);
        }
        for (const [id, probe] of Object.entries(probes)) {
          const problem = await probe();
          if (problem) failures.push(`${id}: ${problem}`);
        }
        expect(failures).to.deep.equal([]);
        const key = JSON.parse((await h.inject('GET', `/v1/keys/${globex.key.id}`, { as: 'globex' })).payload);
        expect(key).to.include({ status: 'active', version: globex.key.version });
      });
    });
  }
});
