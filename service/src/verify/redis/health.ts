import type { RedisClient } from './connection';
import type { Logger } from '../../logger';

/** After a failed call on a connection that still looks up, how long to stay local before trying again. */
const RETRY_AFTER_FAILURE_MS = 1000;

/**
 * Whether calls should go to Redis, and the one warning per outage. Redis is used while the connection is
 * `ready` and no call has failed since; after a failure (a timeout on a connection that still looks up) it
 * is tried again after `RETRY_AFTER_FAILURE_MS`, and at once when the connection becomes `ready` again.
 */
export class RedisHealth {
  /** In an outage that has been logged. */
  private down = false;
  private retryAt = 0;
  private stopped = false;

  constructor(
    private readonly client: RedisClient,
    private readonly logger: Logger,
  ) {
    client.on('error', this.onError);
    client.on('close', this.onClose);
    client.on('ready', this.onReady);
  }

  /** Redis is connected and answering. */
  get healthy(): boolean {
    return this.client.status === 'ready' && !this.down;
  }

  /** Runs `viaRedis`, or `locally` when Redis is out or fails this call. */
  async attempt<T>(viaRedis: () => Promise<T>, locally: () => T): Promise<T> {
    if (this.client.status !== 'ready' || (this.down && performance.now() < this.retryAt)) return locally();
    try {
      const result = await viaRedis();
      if (this.down) this.recovered();
      return result;
    } catch (error) {
      this.failed(error instanceof Error ? error : new Error(String(error)));
      return locally();
    }
  }

  /** Stops watching the connection, before it is closed on purpose. */
  stop(): void {
    this.stopped = true;
    this.client.off('error', this.onError);
    this.client.off('close', this.onClose);
    this.client.off('ready', this.onReady);
  }

  private failed(error: Error): void {
    this.retryAt = performance.now() + RETRY_AFTER_FAILURE_MS;
    if (this.down || this.stopped) return;
    this.down = true;
    this.logger.warn({ reason: error.message }, 'redis unavailable: rate limits and failure counters are per instance until it is back');
  }

  private recovered(): void {
    this.down = false;
    this.retryAt = 0;
    this.logger.info('redis is back: rate limits and failure counters are shared again');
  }

  private readonly onError = (error: Error): void => this.failed(error);
  private readonly onClose = (): void => this.failed(new Error('connection closed'));
  private readonly onReady = (): void => {
    if (this.down) this.recovered();
  };
}
