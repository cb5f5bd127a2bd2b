import { expect } from 'chai';
import { Keysmith } from '../src';
import { BASE_URL, ROOT_KEY, VALID, api, errorBody, useNock } from './helpers';

// These tests take real time on purpose: they assert that throttling makes calls wait at least what the
// configured rate requires (a lower bound on elapsed time), never that anything is fast.
describe('sdk throttling', () => {
  useNock();

  it('at requestsPerSecond 5, six calls take at least a second (five 200 ms gaps)', async () => {
    api().post('/v1/verify').times(6).reply(200, VALID);
    const client = new Keysmith({ baseUrl: BASE_URL, rootKey: ROOT_KEY, requestsPerSecond: 5 });
    const started = performance.now();
    await Promise.all(Array.from({ length: 6 }, () => client.verify('k')));
    expect(performance.now() - started).to.be.at.least(1000 - 5);
  });

  it('retries go through the limiter too: three calls that each fail once are six attempts, spaced 200 ms apart', async () => {
    let n = 0;
    api()
      .post('/v1/verify')
      .times(6)
      .reply(() => (n++ < 3 ? [503, errorBody('UNAVAILABLE')] : [200, VALID]));
    // When each attempt starts: the limiter runs the task, which calls fetch.
    const starts: number[] = [];
    const fetchSpy: typeof fetch = (input, init) => {
      starts.push(performance.now());
      return globalThis.fetch(input, init);
    };
    // Retries wait no backoff here, so only the limiter spaces them.
    const client = new Keysmith({ baseUrl: BASE_URL, rootKey: ROOT_KEY, requestsPerSecond: 5, fetch: fetchSpy, sleep: async () => {} });
    const started = performance.now();
    await Promise.all(Array.from({ length: 3 }, () => client.verify('k')));
    expect(performance.now() - started).to.be.at.least(1000 - 5);
    expect(starts).to.have.length(6);
    // Measured from the first attempt's own start, which the event loop may run late while the limiter's
    // clock for the next slot is already running: allow that delay, far below the 200 ms spacing tested.
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[0]!).to.be.at.least(i * 200 - 25);
  });

  it('maxConcurrent caps requests in flight', async () => {
    let inFlight = 0;
    let most = 0;
    api()
      .post('/v1/verify')
      .times(8)
      .reply(async () => {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 20));
        inFlight--;
        return [200, VALID];
      });
    const client = new Keysmith({ baseUrl: BASE_URL, rootKey: ROOT_KEY, maxConcurrent: 2 });
    await Promise.all(Array.from({ length: 8 }, () => client.verify('k')));
    expect(most).to.equal(2);
  });

  it("a 429 pauses every call of the client for its Retry-After, not only the one that got it", async () => {
    const starts: number[] = [];
    api()
      .post('/v1/verify')
      .reply(() => {
        starts.push(performance.now());
        return [429, errorBody('RATE_LIMITED'), { 'retry-after': '1' }];
      })
      .post('/v1/verify')
      .times(2)
      .reply(() => {
        starts.push(performance.now());
        return [200, VALID];
      });
    const client = new Keysmith({ baseUrl: BASE_URL, rootKey: ROOT_KEY, maxConcurrent: 4 });
    const first = client.verify('k');
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Issued after the 429 arrived: it must wait for the pause to end.
    const second = client.verify('k');
    await Promise.all([first, second]);
    expect(starts).to.have.length(3);
    expect(Math.min(starts[1]!, starts[2]!) - starts[0]!).to.be.at.least(1000 - 5);
  });
});
