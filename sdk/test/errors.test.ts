import { expect } from 'chai';
import {
  ApiError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  KeysmithError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  PreconditionFailedError,
  RateLimitError,
  ServiceUnavailableError,
  UnsupportedMediaTypeError,
} from '../src';
import { api, errorBody, useNock, recordingClient } from './helpers';

describe('sdk errors', () => {
  useNock();

  const cases: Array<[number, new (...args: never[]) => ApiError]> = [
    [400, BadRequestError],
    [401, AuthenticationError],
    [403, PermissionDeniedError],
    [404, NotFoundError],
    [409, ConflictError],
    [412, PreconditionFailedError],
    [413, PayloadTooLargeError],
    [415, UnsupportedMediaTypeError],
    [429, RateLimitError],
    [500, InternalServerError],
    [502, InternalServerError],
    [503, ServiceUnavailableError],
  ];
  for (const [status, Class] of cases) {
    it(`maps ${status} to ${Class.name} with the body's code, message and request id`, async () => {
      api().post('/v1/verify').reply(status, errorBody('SOME_CODE', 'what went wrong', 'req_42'), { 'x-request-id': 'req_42', 'x-extra': 'yes' });
      const { client } = recordingClient({ maxRetries: 0 });
      const err = await client.verify('acme_live_x').catch((e: unknown) => e);
      expect(err).to.be.instanceOf(Class).and.instanceOf(ApiError).and.instanceOf(KeysmithError);
      const apiError = err as ApiError;
      expect([apiError.status, apiError.code, apiError.message, apiError.requestId]).to.deep.equal([status, 'SOME_CODE', 'what went wrong', 'req_42']);
      expect(apiError.headers['x-extra']).to.equal('yes');
    });
  }

  it('a 503 is also an InternalServerError (catch every 5xx at once)', () => {
    expect(new ServiceUnavailableError(503, 'UNAVAILABLE', 'down', undefined, undefined, {})).to.be.instanceOf(InternalServerError);
  });

  it('carries validation details field by field', async () => {
    const details = [{ field: 'quota.daily', message: 'must be a positive integer' }];
    api().post('/v1/verify').reply(400, errorBody('VALIDATION_FAILED', 'invalid request', 'req_9', details));
    const err = (await recordingClient().client.verify('k').catch((e: unknown) => e)) as BadRequestError;
    expect(err.details).to.deep.equal(details);
  });

  it('an answer without a JSON error body still gives status, a message and the x-request-id header', async () => {
    api().post('/v1/verify').reply(404, '<html>not here</html>', { 'x-request-id': 'req_proxy' });
    const err = (await recordingClient().client.verify('k').catch((e: unknown) => e)) as NotFoundError;
    expect(err).to.be.instanceOf(NotFoundError);
    expect([err.code, err.requestId]).to.deep.equal(['UNKNOWN', 'req_proxy']);
    expect(err.message).to.equal('the service answered 404');
  });
});
