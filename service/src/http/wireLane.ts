import type { Server as NodeServer } from 'node:http';
import type { Socket } from 'node:net';
import { checkingIntervalMs, REQUEST_TIMEOUT, requestTimedOut, type ConnectionLimits } from './connections';
import { LANE_HEADERS, type LaneReply, type VerifyLane } from './verifyLane';
import { formatAnswer, readHead, requestLineOf, type WireHead, type WireLimits } from './wire';

/** What the wire reader does at the stop of the service (`installConnections` calls it). */
export interface WireLane {
  /** Requests being answered or read on the wire's connections. */
  readonly inFlight: number;
  /** Takes no more requests: idle connections are closed, and answers in flight or being read go out with `Connection: close`. */
  drain(): void;
  /** Called each time `inFlight` drops. */
  onSettled: (() => void) | null;
  /** Closes every connection the wire reader still holds (at the end of the drain timeout). */
  closeAll(): void;
}

/** Node's own limit on a request's head (`--max-http-header-size`). */
const MAX_HEAD_BYTES = 16 * 1024;
/** Bytes a connection may send ahead of the answers it waits for before it is read no further. */
const MAX_AHEAD_BYTES = 128 * 1024;
const FIXED_HEADERS = Object.entries(LANE_HEADERS)
  .map(([name, value]) => `${name}: ${value}\r\n`)
  .join('');

/** What a connection waits for, and so what its deadline means. */
const enum Waiting {
  /** An answer: no deadline. */
  Answer,
  /** A next request after an answer (Node's keep-alive timeout): then closed without a word. */
  Idle,
  /** The rest of a head (Node's headers timeout): then a bare 408. */
  Head,
  /** The rest of a body (Node's request timeout): then the lane's 408. */
  Body,
}

/**
 * The verify lane's own reader and writer of HTTP/1.1, below Node's HTTP server. Every connection starts
 * here. While it carries nothing but plain verify calls (`readHead`), each is read off the socket and
 * answered with one write, without the request and response objects, header maps and stream events Node
 * makes for a request, which cost a verification as much as the verification itself. The first request
 * the reader does not take, it hands the connection, with every byte unread, to Node's HTTP server (which
 * serves verify calls through the lane and the rest through hapi) once the answers before it are out.
 * Its timeouts, its answers to them and its part in draining are Node's and `connections.ts`'s.
 */
export function installWireLane(listener: NodeServer, lane: VerifyLane, limits: ConnectionLimits, path: string, maxBodyBytes: number): WireLane {
  // Node's HTTP server takes a connection through its one 'connection' listener, `connectionListener`
  // (Node 20 to 26); a socket given to it later is served as if just accepted (the event's documented use).
  const nodeConnection = listener.listeners('connection').find((l) => l.name === 'connectionListener') as ((socket: Socket) => void) | undefined;
  if (!nodeConnection) throw new Error('the HTTP listener has no connection listener of Node\'s to hand connections to');
  listener.removeListener('connection', nodeConnection);

  const open = new Set<WireConnection>();
  let sweep: NodeJS.Timeout | null = null;
  const wire: Wire = {
    lane,
    limits,
    headLimits: { path, maxBodyBytes, maxHeadBytes: MAX_HEAD_BYTES },
    requestLine: requestLineOf(path),
    keepAliveMs: () => listener.keepAliveTimeout,
    draining: false,
    inFlight: 0,
    settled() {
      control.onSettled?.();
    },
    handOver(connection) {
      wire.forget(connection);
      nodeConnection.call(listener, connection.socket);
    },
    forget(connection) {
      open.delete(connection);
      if (open.size === 0 && sweep) {
        clearInterval(sweep);
        sweep = null;
      }
    },
  };
  listener.prependListener('connection', (socket: Socket) => {
    open.add(new WireConnection(socket, wire));
    sweep ??= setInterval(() => {
      const now = Date.now();
      for (const connection of open) connection.check(now);
    }, checkingIntervalMs(limits)).unref();
  });

  const control: WireLane = {
    get inFlight() {
      return wire.inFlight;
    },
    onSettled: null,
    drain() {
      wire.draining = true;
      for (const connection of open) connection.drain();
    },
    closeAll() {
      for (const connection of open) connection.socket.destroy();
    },
  };
  return control;
}

/** What the wire reader's connections share. */
interface Wire {
  lane: VerifyLane;
  limits: ConnectionLimits;
  headLimits: WireLimits;
  requestLine: Buffer;
  /** Node's keep-alive timeout for the listener (its `Keep-Alive: timeout=` in seconds, and the idle time allowed). */
  keepAliveMs(): number;
  draining: boolean;
  /** Requests taken (their head read) and not yet answered, on every connection. */
  inFlight: number;
  settled(): void;
  handOver(connection: WireConnection): void;
  forget(connection: WireConnection): void;
}

type LaneRequest = Extract<WireHead, { kind: 'request' }>;

class WireConnection {
  /** Bytes received and not yet taken, from the start of the next request. */
  private buffer: Buffer | null = null;
  /** The head of the request whose body is being read. */
  private pending: LaneRequest | null = null;
  private waiting = Waiting.Head;
  /** When what the connection waits for must have arrived (ms, epoch). */
  private deadline: number;
  /** When the first byte of the request being read arrived (or the connection opened). */
  private requestStart: number;
  /** The socket's buffer is full: no answer is written until it drains. */
  private blocked = false;
  /** The client has sent all it will (half-close). */
  private ended = false;
  /** This connection is being closed (or has been handed to Node): read nothing more. */
  private done = false;

  constructor(
    readonly socket: Socket,
    private readonly wire: Wire,
  ) {
    this.requestStart = Date.now();
    this.deadline = this.requestStart + wire.limits.headersTimeoutMs;
    socket.setNoDelay(true);
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.done) return;
    if (this.buffer === null) {
      this.buffer = chunk;
      if (this.waiting === Waiting.Idle) this.startRequest(Date.now());
    } else {
      this.buffer = Buffer.concat([this.buffer, chunk]);
    }
    if (this.waiting === Waiting.Answer || this.blocked) {
      if (this.buffer.length > MAX_AHEAD_BYTES) this.socket.pause();
      return;
    }
    this.next();
  };

  private readonly onEnd = (): void => {
    this.ended = true;
    if (this.waiting !== Waiting.Answer && !this.blocked) this.next();
  };

  private readonly onError = (): void => {
    this.socket.destroy();
  };

  private readonly onClose = (): void => {
    this.done = true;
    this.wire.forget(this);
    if (this.pending !== null) {
      // A request whose body never came: no longer in flight.
      this.pending = null;
      this.wire.inFlight--;
      this.wire.settled();
    }
  };

  private startRequest(now: number): void {
    this.requestStart = now;
    this.waiting = Waiting.Head;
    this.deadline = now + this.wire.limits.headersTimeoutMs;
  }

  /**
   * Takes the requests in the buffer, one at a time, until one is not complete, not the lane's, or has an
   * answer that must be waited for (the connection reads on once it is written).
   */
  private next(): void {
    while (this.takeNext());
  }

  /** Takes the next request in the buffer; true when it was answered at once, so the one after it may be taken. */
  private takeNext(): boolean {
    if (this.done) return false;
    if (this.socket.isPaused()) this.socket.resume();
    const buffer = this.buffer;
    if (buffer === null) {
      if (this.ended) this.close();
      return false;
    }
    let request = this.pending;
    if (request === null) {
      const head = readHead(buffer, this.wire.requestLine, this.wire.headLimits);
      if (head.kind === 'other') {
        this.handOver();
        return false;
      }
      if (head.kind === 'more') {
        if (this.ended) this.socket.destroy();
        return false;
      }
      // In flight from its head on, as Node counts a request: a stop waits for the body and the answer.
      request = head;
      this.wire.inFlight++;
    }
    const length = request.headLength + request.bodyLength;
    if (buffer.length < length) {
      this.pending = request;
      if (this.ended) {
        this.socket.destroy();
        return false;
      }
      this.waiting = Waiting.Body;
      this.deadline = this.requestStart + this.wire.limits.requestTimeoutMs;
      return false;
    }
    this.pending = null;
    this.buffer = buffer.length === length ? null : buffer.subarray(length);
    return this.answer(request, buffer.subarray(request.headLength, length));
  }

  /** Answers a request; true when it was answered at once and the connection may read on now. */
  private answer(request: LaneRequest, body: Buffer | Error): boolean {
    const received = this.requestStart;
    const close = request.close || body instanceof Error;
    this.waiting = Waiting.Answer;
    let reply: ReturnType<VerifyLane['reply']>;
    try {
      reply = this.wire.lane.reply(request.head, body);
    } catch {
      // The lane answers its own errors; should it fail to, the connection is closed, as for a rejection.
      reply = null;
    }
    if (!(reply instanceof Promise)) {
      this.write(reply, close, received);
      return !this.done && !this.blocked;
    }
    const written = (answer: LaneReply | null, closing: boolean): void => {
      this.write(answer, closing, received);
      if (!this.done && !this.blocked) this.next();
    };
    reply.then(
      (answer) => written(answer, close),
      () => written(null, true),
    );
    return false;
  }

  private write(reply: LaneReply | null, close: boolean, received: number): void {
    this.wire.inFlight--;
    const now = Date.now();
    if (reply === null || this.done) {
      this.done = true;
      this.socket.destroy();
    } else {
      const closing = close || this.wire.draining;
      const keepAliveMs = this.wire.keepAliveMs();
      const bytes = formatAnswer(reply, FIXED_HEADERS, now, closing || keepAliveMs <= 0 ? null : Math.floor(keepAliveMs / 1000));
      this.wire.lane.answered(reply, received);
      if (closing) {
        this.done = true;
        this.socket.end(bytes);
      } else if (!this.socket.write(bytes)) {
        this.blocked = true;
        this.socket.once('drain', () => {
          this.blocked = false;
          this.next();
        });
      }
    }
    this.wire.settled();
    if (this.done) return;
    if (this.buffer === null) {
      this.waiting = Waiting.Idle;
      this.deadline = now + this.wire.keepAliveMs();
    } else {
      this.startRequest(now);
    }
  }

  /** Hands the connection, with every byte not yet read, to Node's HTTP server. */
  private handOver(): void {
    this.done = true;
    const { socket } = this;
    socket.removeListener('data', this.onData);
    socket.removeListener('end', this.onEnd);
    socket.removeListener('error', this.onError);
    socket.removeListener('close', this.onClose);
    socket.pause();
    if (this.buffer !== null) socket.unshift(this.buffer);
    this.buffer = null;
    this.wire.handOver(this);
    socket.resume();
  }

  private close(): void {
    this.done = true;
    this.socket.end();
  }

  /** At the stop: an idle connection is closed now; one reading or answering a request is closed after it. */
  drain(): void {
    if (this.waiting === Waiting.Idle || (this.waiting === Waiting.Head && this.buffer === null)) this.close();
  }

  /** What the connection waited for did not arrive in time. */
  check(now: number): void {
    if (this.done || this.waiting === Waiting.Answer || now <= this.deadline) return;
    if (this.waiting === Waiting.Idle) {
      this.done = true;
      this.socket.destroy();
    } else if (this.waiting === Waiting.Head) {
      this.done = true;
      this.socket.end(REQUEST_TIMEOUT);
      this.socket.destroySoon();
    } else if (this.pending) {
      const request = this.pending;
      this.pending = null;
      this.buffer = null;
      if (this.answer(request, requestTimedOut())) this.next();
    }
  }
}
