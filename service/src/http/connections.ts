import { createServer as createHttpServer, type IncomingMessage, type Server as NodeServer, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import Boom from '@hapi/boom';
import type { Server } from '@hapi/hapi';
import type { WireLane } from './wireLane';

/** How long a client may take to send a request, and how many connections may be open at once. */
export interface ConnectionLimits {
  /** From a request's first byte (or a new connection) to the end of its headers. */
  headersTimeoutMs: number;
  /** From a request's first byte to the end of its body; also the routes' payload timeout. */
  requestTimeoutMs: number;
  /** Open connections at once; a connection beyond them is closed as soon as it is accepted. */
  maxConnections: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = { headersTimeoutMs: 10_000, requestTimeoutMs: 10_000, maxConnections: 10_000 };

/** Requests served by Node's HTTP server directly, ahead of hapi's router (the verify lane). */
export interface Lane {
  takes(req: IncomingMessage): boolean;
  serve(req: IncomingMessage, res: ServerResponse): void;
  /** The body of a request the lane is serving will not arrive (`error` says why); false if `res` is not the lane's. */
  fail(res: ServerResponse, error: Boom.Boom): boolean;
}

/** Node's own answers to a connection that has no request to answer with (no body: nothing can follow). */
const BAD_REQUEST = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';
export const REQUEST_TIMEOUT = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

/** Node's client error for a request (or the headers of one) not received within its timeout. */
function isTimeout(err: Error): boolean {
  return (err as { code?: unknown }).code === 'ERR_HTTP_REQUEST_TIMEOUT';
}

/** Client errors handed to hapi, by connection, so the answer hapi makes for one says what it was. */
const handedToHapi = new WeakMap<Socket, Error>();

/**
 * What a client error (Node's `clientError`: a body or request that does not parse, or a request not
 * received in time) means for the request being read on that connection.
 */
export function clientErrorAsBoom(err: Error): Boom.Boom {
  if (isTimeout(err)) return requestTimedOut();
  return Boom.badRequest('the request is not valid HTTP/1.1 (the body or the next request does not parse)');
}

/** A request whose body did not arrive within the request timeout. */
export function requestTimedOut(): Boom.Boom {
  return Boom.clientTimeout('the request was not received in full in time');
}

/** How often requests past their time are looked for (Node's default is 30 s: too coarse for short timeouts). */
export function checkingIntervalMs(limits: ConnectionLimits): number {
  return Math.max(10, Math.min(1000, Math.floor(limits.headersTimeoutMs / 10)));
}

/** The client error hapi was told of on this connection (for its answer to say what it was), once. */
export function takeClientError(socket: Socket | undefined): Error | undefined {
  if (!socket) return undefined;
  const err = handedToHapi.get(socket);
  handedToHapi.delete(socket);
  return err;
}

/** hapi's HTTP listener, with the header and request timeouts and the connection cap of `limits`. */
export function createListener(limits: ConnectionLimits): NodeServer {
  const listener = createHttpServer({
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: checkingIntervalMs(limits),
  });
  listener.maxConnections = limits.maxConnections;
  return listener;
}

/**
 * What the HTTP listener does below hapi and the lane: client errors, so that one on a connection never
 * eats the answer of a request already taken; and draining on `server.stop()`, so that every request in
 * flight finishes, whichever of the two serves it, and those the wire reader (`wireLane.ts`) is reading or
 * answering too. hapi tracks only its own requests: left to it, a stop cut the lane's off and a client
 * error answered for them with a bare 400.
 */
export function installConnections(server: Server, lane: Lane, wire: WireLane, options: { drainTimeoutMs: number }): void {
  const listener: NodeServer = server.listener;
  /** Requests not yet answered, oldest first, with their responses. */
  const inFlight = new Map<ServerResponse, IncomingMessage>();
  let draining = false;
  let drained: (() => void) | null = null;
  const settled = (): boolean => inFlight.size === 0 && wire.inFlight === 0;
  const track = (req: IncomingMessage, res: ServerResponse): void => {
    inFlight.set(res, req);
    if (draining) res.shouldKeepAlive = false;
    res.once('close', () => {
      inFlight.delete(res);
      if (drained && settled()) drained();
    });
  };
  wire.onSettled = () => {
    if (drained && settled()) drained();
  };

  const hapiRequest = listener.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  const hapiContinue = listener.listeners('checkContinue') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  const hapiClientError = listener.listeners('clientError') as Array<(err: Error, socket: Socket) => void>;
  listener.removeAllListeners('request');
  listener.removeAllListeners('checkContinue');
  listener.removeAllListeners('clientError');
  listener.on('request', (req: IncomingMessage, res: ServerResponse) => {
    track(req, res);
    if (lane.takes(req)) lane.serve(req, res);
    else for (const dispatch of hapiRequest) dispatch.call(listener, req, res);
  });
  listener.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    track(req, res);
    for (const dispatch of hapiContinue) dispatch.call(listener, req, res);
  });

  const ending = new WeakSet<Socket>();
  listener.on('clientError', (err: Error, socket: Socket) => {
    if (ending.has(socket)) return;
    if (!socket.writable) {
      socket.destroy(err);
      return;
    }
    let current: [ServerResponse, IncomingMessage] | undefined;
    for (const entry of inFlight) if (entry[1].socket === socket) current = entry;
    if (current && current[1].complete) {
      // The error is in what came after a request received in full: answer that request, then refuse the rest.
      ending.add(socket);
      const refusal = isTimeout(err) ? REQUEST_TIMEOUT : BAD_REQUEST;
      current[0].once('close', () => (socket.writable ? socket.end(refusal) : socket.destroy()));
      return;
    }
    if (current && lane.fail(current[0], clientErrorAsBoom(err))) return;
    if (!current && isTimeout(err)) {
      socket.write(REQUEST_TIMEOUT);
      socket.destroy();
      return;
    }
    if (current) handedToHapi.set(socket, err);
    for (const handle of hapiClientError) handle.call(listener, err, socket);
  });

  // hapi's stop ends every connection whose request it is not serving itself: first let all requests finish.
  server.ext('onPreStop', async () => {
    draining = true;
    for (const res of inFlight.keys()) if (!res.headersSent) res.shouldKeepAlive = false;
    wire.drain();
    if (listener.listening) listener.close();
    if (settled()) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      drained = resolve;
      timer = setTimeout(resolve, options.drainTimeoutMs);
    });
    clearTimeout(timer);
    drained = null;
    if (inFlight.size > 0) listener.closeAllConnections();
    wire.closeAll();
  });
}
