import { expect } from 'chai';
import { Harness, json } from '../helpers/harness';

interface Operation {
  operationId: string;
  responses: Record<string, unknown>;
  security?: Array<Record<string, string[]>>;
}

/**
 * The statuses GET /openapi.json lists are the ones the service gives, both ways: every call that lists
 * 400, 413 or 415 for its body answers them to a malformed, oversized or non-JSON body (over a real
 * socket too, where POST /v1/verify takes the verify lane), and a call that does not list them ignores
 * such a body. Every call that lists 412 answers it to a stale If-Match.
 */
describe('the statuses in GET /openapi.json', () => {
  let h: Harness;
  let base: string;
  let operations: Array<{ method: string; path: string; op: Operation }>;
  /** An operator's session, for the calls that take only a session cookie. */
  let session: { cookie: string; 'x-csrf-token': string };
  const bearer = () => `Bearer ${h.tenants.acme.rootKey}`;
  const concrete = (path: string, id = 'unknown_0') => path.replace(/\{\w+\}/g, id);

  before(async () => {
    h = await Harness.start('sqlite');
    await h.server.start();
    base = `http://127.0.0.1:${h.server.info.port}`;
    const doc = json(await h.inject('GET', '/openapi.json', { as: null })) as { paths: Record<string, Record<string, Operation>> };
    const acme = { workspaceId: h.tenants.acme.workspaceId, actor: { type: 'system' as const, id: 'test' } };
    await h.app.services.operators.add(acme, { email: 'statuses@acme.test', role: 'owner', password: 'statuses password' });
    const login = await h.inject('POST', '/v1/auth/login', { as: null, payload: { email: 'statuses@acme.test', password: 'statuses password' } });
    session = { cookie: String(login.headers['set-cookie']).split(';')[0]!, 'x-csrf-token': json(login).csrfToken };
    operations = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ method, path, op })));
  });
  after(() => h.stop());

  const bodies: Array<[string, string, string, string]> = [
    ['415', 'UNSUPPORTED_MEDIA_TYPE', 'text/plain', 'hello'],
    ['413', 'PAYLOAD_TOO_LARGE', 'application/json', JSON.stringify({ name: 'x'.repeat(70 * 1024) })],
    ['400', 'MALFORMED_JSON', 'application/json', '{"name":'],
  ];

  for (const [status, code, contentType, body] of bodies) {
    it(`answers ${status} ${code} exactly where it is listed`, async () => {
      const failures: string[] = [];
      for (const { method, path, op } of operations) {
        if (op.operationId === 'getReadiness' || op.operationId === 'getHealth') continue;
        const listed = status in op.responses && (status !== '400' || !['get', 'head'].includes(method));
        const sessionOnly = op.security?.every((scheme) => 'session' in scheme) === true;
        const headers = { ...(sessionOnly ? session : { authorization: bearer() }), 'content-type': contentType };
        const injected = await h.server.inject({ method, url: concrete(path), headers, payload: body });
        const answers = [{ via: 'inject', status: injected.statusCode, text: injected.payload }];
        if (method !== 'get') {
          const res = await fetch(base + concrete(path), { method: method.toUpperCase(), headers, body });
          answers.push({ via: 'socket', status: res.status, text: await res.text() });
        }
        for (const answer of answers) {
          const answeredCode = answer.text ? (JSON.parse(answer.text) as { error?: { code: string } }).error?.code : undefined;
          const gave = String(answer.status) === status && answeredCode === code;
          if (gave !== listed) failures.push(`${op.operationId} via ${answer.via}: ${listed ? 'lists' : 'does not list'} ${status}, answered ${answer.status} ${answeredCode}`);
        }
      }
      expect(failures).to.deep.equal([]);
    });
  }

  it('answers 412 VERSION_MISMATCH to a stale If-Match wherever 412 is listed', async () => {
    const key = (await h.createKey()).key;
    const policy = json(await h.inject('POST', '/v1/quota-policies', { payload: { name: 'stale check' } }));
    const objects: Record<string, string> = { '/v1/keys/{id}': key.id, '/v1/quota-policies/{id}': policy.id };
    const listing = operations.filter(({ op }) => '412' in op.responses);
    expect(listing.map(({ op }) => op.operationId).sort()).to.deep.equal(['updateKey', 'updateQuotaPolicy']);
    for (const { method, path } of listing) {
      const res = await h.inject(method.toUpperCase(), concrete(path, objects[path]), { payload: { name: 'renamed' }, headers: { 'if-match': '"99"' } });
      expect(res.statusCode, path).to.equal(412);
      expect(json(res).error.code).to.equal('VERSION_MISMATCH');
    }
  });
});
