import { randomUUID } from 'node:crypto';
import { LocalInvalidationBus } from '../local';
import type { Invalidation, InvalidationBus } from '../ports';
import { closeRedis, type RedisClient } from './connection';

export const INVALIDATION_CHANNEL = 'keysmith:invalidate';

/** What travels on the channel: the event, and who sent it so the sender can skip its own echo. */
interface InvalidationMessage {
  from: string;
  event: Invalidation;
}

export interface RedisInvalidationBusOptions {
  /** Any connection; the bus only publishes on it and does not close it. */
  publisher: RedisClient;
  /**
   * A connection of the bus's own (a subscribed connection can do nothing else), created with
   * `autoResubscribe: false`: the bus subscribes on every `ready` itself. Closed by `close()`.
   */
  subscriber: RedisClient;
  /** @default 'keysmith:invalidate' */
  channel?: string;
  /**
   * Told about the subscriber's connection errors, a publish or subscribe that failed, a malformed message,
   * and a subscriber that threw on an event from the channel (one published here throws to the publisher).
   */
  onError?: (error: Error) => void;
}

/**
 * Invalidations for every instance through Redis pub/sub. Publishing delivers to this instance's
 * subscribers at once, then to the others through the channel (this instance skips its own echo).
 * Pub/sub does not keep messages for a disconnected subscriber, so whenever a gap may have lost some, the
 * bus tells its own subscribers to drop everything (`{kind: 'all'}`): after its subscriber reconnects, and,
 * for the other instances, after a publish failed once the publisher is back.
 */
export class RedisInvalidationBus implements InvalidationBus {
  /** Identifies this instance's messages on the channel. */
  readonly instanceId = randomUUID();
  private readonly local = new LocalInvalidationBus();
  private readonly channel: string;
  private readonly onError: (error: Error) => void;
  /** The subscriber lost its connection since it last subscribed. */
  private missedMessages = false;
  /** A publish failed since the publisher was last ready. */
  private unsentEvents = false;
  private closed = false;
  private publisherWasReady: boolean;
  private readonly subscribed: Promise<void>;
  private markSubscribed: () => void = () => undefined;

  constructor(private readonly options: RedisInvalidationBusOptions) {
    this.subscribed = new Promise((resolve) => (this.markSubscribed = resolve));
    this.channel = options.channel ?? INVALIDATION_CHANNEL;
    this.onError = options.onError ?? (() => undefined);
    const { publisher, subscriber } = options;
    subscriber.on('message', (channel: string, message: string) => this.receive(channel, message));
    subscriber.on('error', (error: Error) => this.onError(error));
    subscriber.on('close', () => (this.missedMessages = true));
    subscriber.on('ready', () => this.listen());
    if (subscriber.status === 'ready') this.listen();
    publisher.on('ready', this.announceUnsent);
    publisher.once('ready', () => (this.publisherWasReady = true));
    this.publisherWasReady = publisher.status === 'ready';
  }

  publish(event: Invalidation): void {
    this.send(event);
    this.local.publish(event);
  }

  subscribe(listener: (event: Invalidation) => void): void {
    this.local.subscribe(listener);
  }

  /** Resolves once the channel is subscribed the first time (never, while Redis stays unreachable). */
  whenSubscribed(): Promise<void> {
    return this.subscribed;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    this.closed = true;
    this.options.publisher.off('ready', this.announceUnsent);
    await closeRedis(this.options.subscriber);
    await this.local.close();
  }

  /** Publishes in flight; `close` waits for them, so a short-lived process (the CLI) still gets its change out. */
  private readonly inFlight = new Set<Promise<void>>();

  private send(event: Invalidation): void {
    const sending: Promise<void> = this.sendWhenReady(event).finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }

  private async sendWhenReady(event: Invalidation): Promise<void> {
    const { publisher } = this.options;
    // Commands fail fast while disconnected (no offline queue): a process that has just started (the CLI)
    // waits for its first connection attempt instead of losing the message. A connection that was up and
    // is lost is not waited for: the failed publish makes every instance drop everything once it is back.
    if (publisher.status !== 'ready' && !this.publisherWasReady) await firstAttempt(publisher, READY_WAIT_MS);
    const message: InvalidationMessage = { from: this.instanceId, event };
    try {
      await publisher.publish(this.channel, JSON.stringify(message));
    } catch (error) {
      this.unsentEvents = true;
      this.onError(error as Error);
    }
  }

  private listen(): void {
    if (this.closed) return;
    this.options.subscriber.subscribe(this.channel).then(() => {
      this.markSubscribed();
      if (!this.missedMessages) return;
      this.missedMessages = false;
      this.deliver({ kind: 'all' });
    }, this.onError);
  }

  private readonly announceUnsent = (): void => {
    if (!this.unsentEvents || this.closed) return;
    this.unsentEvents = false;
    this.send({ kind: 'all' });
  };

  private receive(channel: string, raw: string): void {
    if (channel !== this.channel) return;
    const message = parseMessage(raw);
    if (!message) {
      this.onError(new Error(`ignored a malformed invalidation message on ${channel}`));
      return;
    }
    if (message.from !== this.instanceId) this.deliver(message.event);
  }

  /** Local delivery from Redis's side: a throwing subscriber must not break the connection's handler. */
  private deliver(event: Invalidation): void {
    try {
      this.local.publish(event);
    } catch (error) {
      this.onError(error instanceof Error ? error : new Error(String(error)));
    }
  }
}

const KINDS = new Set(['key', 'policy', 'workspace', 'root_key', 'all']);

/** The message, or null when it is not one: the channel is open to anything that can reach Redis. */
function parseMessage(raw: string): InvalidationMessage | null {
  try {
    const message = JSON.parse(raw) as Partial<InvalidationMessage> | null;
    const event = message?.event as { kind?: unknown; id?: unknown } | undefined;
    if (typeof message?.from !== 'string' || !event || !KINDS.has(event.kind as string)) return null;
    if (event.kind !== 'all' && typeof event.id !== 'string') return null;
    return message as InvalidationMessage;
  } catch {
    return null;
  }
}

const READY_WAIT_MS = 2000;

/** Resolves when `client`'s connection attempt ends (ready, or closed by a failure) or after `ms`. */
function firstAttempt(client: RedisClient, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      client.off('ready', done);
      client.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    client.once('ready', done);
    client.once('close', done);
  });
}
