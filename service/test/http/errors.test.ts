import Boom from '@hapi/boom';
import { expect } from 'chai';
import { toHttpError, type ErrorContext } from '../../src/http/errors';
import { Harness, json } from '../helpers/harness';

const CONTEXT: ErrorContext = { requestId: 'req_test', method: 'GET', path: '/x', routePath: '/x', maxBytes: undefined };

describe('the error mapper', () => {
  it('keeps the WWW-Authenticate of a 401 that hapi (or a plugin) made with Boom', () => {
    const mapped = toHttpError(Boom.unauthorized('Missing authentication', ['Bearer']), CONTEXT);
    expect(mapped.status).to.equal(401);
    expect(mapped.headers).to.deep.equal({ 'www-authenticate': 'Bearer' });
    expect(mapped.body.error.code).to.equal('UNAUTHORIZED');
  });

  it('keeps Allow and Retry-After whatever their spelling', () => {
    const notAllowed = Boom.methodNotAllowed('no', undefined, ['GET', 'POST']);
    expect(toHttpError(notAllowed, CONTEXT).headers).to.deep.equal({ allow: 'GET, POST' });
    const busy = Boom.tooManyRequests();
    busy.output.headers['RETRY-AFTER'] = '7';
    expect(toHttpError(busy, CONTEXT).headers).to.deep.equal({ 'retry-after': '7' });
  });

  it('gives a 503 that is not the database\'s own (a plugin\'s Boom) the same Retry-After as every other 503', () => {
    const mapped = toHttpError(Boom.serverUnavailable(), CONTEXT);
    expect(mapped.status).to.equal(503);
    expect(mapped.headers).to.deep.equal({ 'retry-after': '1' });
    expect(mapped.body.error.code).to.equal('UNAVAILABLE');
  });

  describe('through the server', () => {
    let h: Harness;
    before(async () => {
      h = await Harness.start('sqlite');
      // A strategy that reports a missing credential the hapi way, so that hapi itself answers the 401.
      h.server.auth.scheme('test-missing', () => ({ authenticate: (_request, hh) => hh.unauthenticated(Boom.unauthorized(null, 'Bearer')) }));
      h.server.auth.strategy('test-missing', 'test-missing');
      h.server.route({ method: 'GET', path: '/test/hapi-401', options: { auth: 'test-missing' }, handler: () => 'never' });
    });
    after(() => h.stop());

    it('answers a hapi-generated 401 in the error format with WWW-Authenticate: Bearer', async () => {
      const res = await h.inject('GET', '/test/hapi-401', { as: null });
      expect(res.statusCode).to.equal(401);
      expect(res.headers['www-authenticate']).to.equal('Bearer');
      expect(json(res).error.code).to.equal('UNAUTHORIZED');
      expect(json(res).error.requestId).to.equal(res.headers['x-request-id']);
    });
  });
});
