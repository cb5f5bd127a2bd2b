import { Agent, request as httpRequest } from 'node:http';
import { expect } from 'chai';
import { generateSecret } from '../../src/domain/secrets';
import { Harness } from '../helpers/harness';

type Body = Record<string, any>;

interface Answer {
  status: number;
  headers: Record<string, string | undefined>;
  body: Body;
}

/** One call over a real socket, with exactly these headers and this body (no defaults added). */
function post(uri: string, path: string, headers: Record<string, string>, body: string, agent?: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${uri}${path}`, { method: 'POST', agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode!, headers: res.headers as Record<string, string>, body: JSON.parse(text) as Body });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A valid call with `count` fields the schema does not know. */
function manyUnknownFields(count: number): string {
  const body: Record<string, number | string> = { key: 'acme_live_unknown' };
  for (let i = 0; i < count; i++) body[`f${i}`] = i;
  return JSON.stringify(body);
}

/** The headers a client acts on; the rest (date, keep-alive) is the transport's. */
const HEADERS = ['content-type', 'cache-control', 'www-authenticate', 'retry-after', 'x-request-id'];

/** What must agree between the two paths; a VALID body's counters move with every call, so only its shape is compared. */
function comparable(answer: Answer): Body {
  const { requestId: _requestId, ...error } = (answer.body.error ?? {}) as Body;
  const body = answer.body.error ? { error } : answer.body.code === 'VALID' ? { code: 'VALID', fields: Object.keys(answer.body).sort() } : answer.body;
  const headers = Object.fromEntries(HEADERS.map((h) => [h, answer.headers[h]]));
  if (/^req_/.test(headers['x-request-id'] ?? '')) headers['x-request-id'] = '(generated)';
  return { status: answer.status, headers, body };
}

describe('POST /v1/verify: the lane that serves it over HTTP, on the wire and through Node\'s HTTP server, answers as the hapi route does', () => {
  let h: Harness;
  let uri: string;
  let secret: string;
  let verifyOnly: string;
  let readOnly: string;
  /** Calls hapi's router answered: the lane's must not be among them, or the comparison proves nothing. */
  let answeredByHapi = 0;

  before(async () => {
    h = await Harness.start('sqlite');
    await h.server.start();
    uri = h.server.info.uri;
    h.server.events.on('response', () => void answeredByHapi++);
    secret = (await h.createKey({ quota: { daily: 1000 }, rateLimit: { limit: 1000, windowSeconds: 60 } })).secret;
    verifyOnly = await h.rootKeyWithScopes(['keys:verify']);
    readOnly = await h.rootKeyWithScopes(['keys:read']);
  });
  after(async () => {
    await h.stop();
  });

  /**
   * `call` on a kept-alive connection that first carried a health check: the wire reader has handed it to
   * Node's HTTP server, so the call goes through the lane there.
   */
  async function afterHealthCheck(call: (agent: Agent) => Promise<Answer>): Promise<Answer> {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      await new Promise<void>((resolve, reject) => {
        httpRequest(`${uri}/healthz`, { agent }, (res) => res.resume().on('end', resolve)).on('error', reject).end();
      });
      return await call(agent);
    } finally {
      agent.destroy();
    }
  }

  const as = (rootKey: () => string, extra: Record<string, string> = { 'content-type': 'application/json' }) => async (): Promise<Record<string, string>> => ({
    authorization: `Bearer ${rootKey()}`,
    ...extra,
  });
  const acme = (): string => h.tenants.acme.rootKey;
  const call = (title: string, headers: (h: Harness) => Promise<Record<string, string>>, body: () => string): void => {
    it(title, async () => {
      const text = body();
      const sent = await headers(h);
      const before = answeredByHapi;
      const lane = await post(uri, '/v1/verify', sent, text);
      expect(answeredByHapi - before, 'calls of the lane that hapi answered').to.equal(0);
      const handedOver = await afterHealthCheck((agent) => post(uri, '/v1/verify', sent, text, agent));
      expect(answeredByHapi - before, 'calls of the lane that hapi answered, besides the health check').to.equal(1);
      const route = await h.server.inject({ method: 'POST', url: '/v1/verify', headers: sent, payload: text });
      const routeAnswer: Answer = { status: route.statusCode, headers: route.headers as Record<string, string>, body: JSON.parse(route.payload) as Body };
      expect(comparable(lane), `lane ${JSON.stringify(lane.body)}`).to.deep.equal(comparable(routeAnswer));
      expect(comparable(handedOver), `lane through Node's HTTP server ${JSON.stringify(handedOver.body)}`).to.deep.equal(comparable(routeAnswer));
      if (sent['x-request-id'] === undefined) expect(lane.headers['x-request-id']).to.match(/^req_/);
      if (lane.body.error) expect(lane.body.error.requestId).to.equal(lane.headers['x-request-id']);
    });
  };

  call('VALID for a good key, from a key with only keys:verify', as(() => verifyOnly), () => JSON.stringify({ key: secret }));
  call('VALID with a charset in the media type, and the caller\'s request id echoed', as(acme, { 'content-type': 'application/json; charset=utf-8', 'x-request-id': 'caller-id-1' }), () => JSON.stringify({ key: secret, cost: 0 }));
  call('VALID with no Content-Type at all (JSON is the default)', as(acme, {}), () => JSON.stringify({ key: secret }));
  call('VALID with an empty Content-Type (taken as absent)', as(acme, { 'content-type': '' }), () => JSON.stringify({ key: secret }));
  call('VALID with blanks before the media type\'s parameters', as(acme, { 'content-type': 'Application/JSON ;charset=UTF-8' }), () => JSON.stringify({ key: secret }));
  call('400 for a Content-Type that is not a media type', as(acme, { 'content-type': 'json' }), () => JSON.stringify({ key: secret }));
  call('400 for a list of media types', as(acme, { 'content-type': 'application/json, text/plain' }), () => JSON.stringify({ key: secret }));
  call('400 for a charset given twice', as(acme, { 'content-type': 'application/json; charset=utf-8; charset=latin1' }), () => JSON.stringify({ key: secret }));
  call('INVALID for an unknown key', as(acme), () => JSON.stringify({ key: generateSecret('acme', 'live'), ip: '203.0.113.7' }));
  call('401 without a root key', async () => ({ 'content-type': 'application/json' }), () => JSON.stringify({ key: secret }));
  call('401 for a header that is not Bearer', async () => ({ authorization: 'Token abc', 'content-type': 'application/json' }), () => JSON.stringify({ key: secret }));
  call('401 for an unknown root key', async () => ({ authorization: `Bearer ${generateSecret('acme', 'root')}` }), () => JSON.stringify({ key: secret }));
  call('403 naming keys:verify for a root key without it', as(() => readOnly), () => JSON.stringify({ key: secret }));
  call('415 for a body that is not JSON', as(acme, { 'content-type': 'text/plain' }), () => JSON.stringify({ key: secret }));
  call('400 MALFORMED_JSON for broken JSON', as(acme), () => '{"key": ');
  call('400 MALFORMED_JSON for a __proto__ key', as(acme), () => `{"key":"${secret}","__proto__":{"admin":true}}`);
  call('400 naming the payload for an empty body', as(acme), () => '');
  call('400 naming each field: unknown field, negative cost, malformed ip', as(acme), () => JSON.stringify({ key: secret, cost: -1, ip: '300.1.1.1', extra: 1 }));
  call('400 naming key for a key of 40,000 characters', as(acme), () => JSON.stringify({ key: 'k'.repeat(40_000) }));
  call('413 for a body over 64 KiB', as(acme), () => JSON.stringify({ key: 'k'.repeat(70_000) }));

  call('400 listing the first 20 of 5,000 unknown fields and counting the rest', as(acme), () => manyUnknownFields(5000));

  it('caps the problems a validation error lists, on the lane and through hapi\'s router alike', async () => {
    const sent = await as(acme)();
    for (const path of ['/v1/verify', '/v1/verify?x=1']) {
      const text = manyUnknownFields(5000);
      expect(text.length, 'body size').to.be.greaterThan(45_000);
      const answer = await post(uri, path, sent, text);
      expect(answer.status, path).to.equal(400);
      expect(answer.body.error.code).to.equal('VALIDATION_FAILED');
      expect(answer.body.error.details, path).to.have.length(20);
      expect(answer.body.error.details[0]).to.deep.equal({ field: 'f0', message: 'f0 is not allowed' });
      expect(answer.body.error.message).to.match(/; and 4980 more problems$/);
      expect(Number(answer.headers['content-length']), 'answer size').to.be.lessThan(4000);
    }
  });

  it('leaves what it does not take to hapi: other methods, paths and query strings', async () => {
    const sent = await as(acme)();
    const before = answeredByHapi;
    const withQuery = await post(uri, '/v1/verify?debug=1', sent, JSON.stringify({ key: secret }));
    expect(answeredByHapi - before, 'answered by hapi').to.equal(1);
    expect(withQuery.status).to.equal(200);
    expect(withQuery.body.code).to.equal('VALID');
    const elsewhere = await post(uri, '/v1/verifyx', sent, '{}');
    expect(withQuery.headers['x-request-id']).to.match(/^req_/);
    expect(elsewhere.status).to.equal(404);
    expect(elsewhere.body.error.message).to.equal('no route POST /v1/verifyx');
  });

  it('keeps a kept-alive connection usable after answers that did not read the body', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const headers = await as(acme)();
      const refused = await post(uri, '/v1/verify', { ...headers, authorization: 'Bearer nope' }, JSON.stringify({ key: secret }), agent);
      expect(refused.status).to.equal(401);
      const tooLarge = await post(uri, '/v1/verify', headers, JSON.stringify({ key: 'k'.repeat(70_000) }), agent);
      expect(tooLarge.status).to.equal(413);
      const next = await post(uri, '/v1/verify', headers, JSON.stringify({ key: secret }), agent);
      expect(next.body.code).to.equal('VALID');
    } finally {
      agent.destroy();
    }
  });
});
