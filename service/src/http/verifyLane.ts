import type { IncomingMessage, ServerResponse } from 'node:http';
import Boom from '@hapi/boom';
import Bourne from '@hapi/bourne';
import type { App } from '../app';
import type { VerifyRequest } from '../domain/verification';
import { attempt, then, type Maybe } from '../maybe';
import { authenticateBearer } from './auth';
import type { Lane } from './connections';
import { toHttpError, VALIDATION_OPTIONS, validationError, type ErrorContext } from './errors';
import { logFailure, logRequest, requestIdFor } from './requests';
import { plainVerifyPayload, verifyAnswerJson, VERIFY_MAX_BYTES, VERIFY_PATH, VERIFY_SCOPE, VerifyPayload } from './routes/verify';

/** The route's schema with the server's validation options compiled in, rather than merged on every call. */
const Payload = VerifyPayload.prefs(VALIDATION_OPTIONS);

/** What the lane reads of a request's head, whichever reader took it off the wire. */
export interface LaneHead {
  authorization: string | undefined;
  contentType: string | undefined;
  /** X-Request-Id as the caller sent it. */
  requestId: string | undefined;
}

/** An answer ready to be written: every reply also carries Content-Type, Cache-Control and Content-Length. */
export interface LaneReply {
  status: number;
  requestId: string;
  /** Headers of this answer's own (an error's WWW-Authenticate or Retry-After; X-Request-Id). */
  headers: Record<string, string>;
  text: string;
  /** The answer is an error, which may come before the body was read in full. */
  refused: boolean;
}

/**
 * The verify lane: `POST /v1/verify`, the call every service makes on every request of its own, answered
 * without hapi's request lifecycle (most of what a call costs there) but with none of its rules skipped.
 * It authenticates with the same function as the root-key scheme, validates as the route's Joi schema
 * does (a plain body through `plainVerifyPayload`, which a test holds to the schema), parses JSON as hapi
 * does (prototype poisoning refused), answers errors through the one error mapper and logs the same
 * lines. Two readers feed it: the wire reader (`wire.ts`), which serves connections that carry nothing
 * but plain verify calls, and Node's HTTP server (`connections.ts`) for the verify calls of every other
 * connection. The hapi route stays for everything the lane does not take (a compressed body, a query
 * string, a trailing slash) and for `inject()`; a test holds them all to the same answers.
 */
export interface VerifyLane extends Lane {
  /**
   * The answer to one request, given its body or why the body will not arrive; null if the client left.
   * At once when nothing needs waiting for; it never throws or rejects.
   */
  reply(head: LaneHead, body: Buffer | Error): Maybe<LaneReply | null>;
  /** Logs an answer written `received` ms (epoch) after its request arrived. */
  answered(reply: LaneReply, received: number): void;
}

export function createVerifyLane(app: App): VerifyLane {
  /** How to stop waiting for the body of each request being served by Node's HTTP server. */
  const bodies = new WeakMap<ServerResponse, BodyWait>();
  const answered = (reply: LaneReply, received: number): void =>
    logRequest(app.logger, { requestId: reply.requestId, method: 'POST', route: VERIFY_PATH, status: reply.status, durationMs: Date.now() - received });
  return {
    takes: (req) => req.method === 'POST' && req.url === VERIFY_PATH && req.headers['content-encoding'] === undefined,
    serve: (req, res) => {
      const body = new BodyWait();
      bodies.set(res, body);
      void answer(app, req, res, body, answered);
    },
    fail: (res, error) => {
      const body = bodies.get(res);
      if (!body) return false;
      body.fail(error);
      return true;
    },
    reply: (head, body) =>
      verifyReply(app, head, () => {
        if (body instanceof Error) throw body;
        return body;
      }),
    answered,
  };
}

/**
 * The lane's answer to one request; `body` gives it once it has been read (after authentication). At once
 * when nothing needs waiting for (a cached root key and a hot verification), else as a promise.
 */
function verifyReply(app: App, head: LaneHead, body: () => Buffer | Promise<Buffer>): Maybe<LaneReply | null> {
  const requestId = requestIdFor(head.requestId);
  return attempt(
    () =>
      then(authenticateBearer(app.services.rootKeys, head.authorization, VERIFY_SCOPE, `POST ${VERIFY_PATH}`), (rootKey) =>
        then(body(), (raw) => {
          const payload = parseJson(raw, head.contentType);
          return then(app.verifier.verify(rootKey.workspaceId, plainVerifyPayload(payload) ?? validated(payload)), (result) => ({
            status: 200,
            requestId,
            headers: { 'x-request-id': requestId },
            text: verifyAnswerJson(result),
            refused: false,
          }));
        }),
      ),
    (err) => failed(app, requestId, err),
  );
}

/** The error answer, through the one error mapper; null when the client left before its body arrived. */
function failed(app: App, requestId: string, err: unknown): LaneReply | null {
  if (err instanceof ClientGone) return null;
  const context: ErrorContext = { requestId, method: 'POST', path: VERIFY_PATH, routePath: VERIFY_PATH, maxBytes: VERIFY_MAX_BYTES };
  const cause = err instanceof Error ? err : new Error(String(err));
  const mapped = toHttpError(cause, context);
  logFailure(app.logger, requestId, mapped.status, cause);
  return { status: mapped.status, requestId, headers: { ...mapped.headers, 'x-request-id': requestId }, text: JSON.stringify(mapped.body), refused: true };
}

/** A lane request that came through Node's HTTP server (a connection that also carries other calls). */
async function answer(app: App, req: IncomingMessage, res: ServerResponse, body: BodyWait, answered: VerifyLane['answered']): Promise<void> {
  const received = Date.now();
  const given = req.headers['x-request-id'];
  const head: LaneHead = {
    authorization: req.headers.authorization,
    contentType: req.headers['content-type'],
    requestId: typeof given === 'string' ? given : undefined,
  };
  const reply = await verifyReply(app, head, () => body.read(req, VERIFY_MAX_BYTES));
  if (!reply) return;
  const headers: Record<string, string | number> = { ...reply.headers, ...LANE_HEADERS, 'content-length': Buffer.byteLength(reply.text) };
  // An unread (refused, oversized or broken) body must not be taken for the next request on this connection.
  if (reply.refused && !req.complete) headers.connection = 'close';
  res.writeHead(reply.status, headers);
  res.end(reply.text);
  answered(reply, received);
}

/** The headers every lane answer carries, besides its own and Content-Length. */
export const LANE_HEADERS: Readonly<Record<string, string>> = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' };

/** The body as the route's Joi schema takes it, or the 400 naming every problem. */
function validated(payload: unknown): VerifyRequest {
  const { value, error } = Payload.validate(payload);
  if (error) throw validationError(error, 'payload');
  return value as VerifyRequest;
}

/** The request went away before its body arrived: there is nobody to answer. */
class ClientGone extends Error {}

/**
 * The body, refused with a 413 beyond `maxBytes` (at once when Content-Length says so), or with the error
 * the listener reports when the rest of it will not arrive (it does not parse, or not in time).
 */
class BodyWait {
  private failure: Error | null = null;
  private reject: ((err: Error) => void) | null = null;

  fail(error: Error): void {
    this.failure = error;
    this.reject?.(error);
  }

  read(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
    if (this.failure) return Promise.reject(this.failure);
    if (Number(req.headers['content-length'] ?? 0) > maxBytes) return Promise.reject(Boom.entityTooLarge());
    return new Promise((resolve, reject) => {
      this.reject = reject;
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= maxBytes) chunks.push(chunk);
        else {
          req.removeAllListeners('data');
          req.pause();
          reject(Boom.entityTooLarge());
        }
      });
      req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
      req.once('aborted', () => reject(new ClientGone()));
      req.once('error', () => reject(new ClientGone()));
    });
  }
}

/**
 * `type/subtype` and its parameters (RFC 9110 media-type), as hapi's payload parser (@hapi/content) reads
 * Content-Type; its charset parameter, which may not appear twice.
 */
const MEDIA_TYPE = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+\/[A-Za-z0-9!#$%&'*+.^_`|~-]+)([ \t;][^\r\n]*)?$/;
const CHARSET = /;\s*charset=(?:"[^"]+"|[^;"\s]+)/gi;

/**
 * JSON as hapi's route parses it: the same media type rule (no or an empty Content-Type is JSON; one that
 * is not a media type is a 400; another media type a 415), an empty body as null, `__proto__` refused.
 */
function parseJson(raw: Buffer, contentType: string | undefined): unknown {
  const match = MEDIA_TYPE.exec(contentType || 'application/json');
  if (!match) throw Boom.badRequest('Invalid content-type header');
  if ((match[2]?.match(CHARSET)?.length ?? 0) > 1) throw Boom.badRequest('Invalid content-type header: duplicate parameter');
  if (match[1]!.toLowerCase() !== 'application/json') throw Boom.unsupportedMediaType();
  if (raw.length === 0) return null;
  try {
    return Bourne.parse(raw.toString('utf8'), { protoAction: 'error' });
  } catch {
    throw Boom.badRequest('Invalid request payload JSON format');
  }
}
