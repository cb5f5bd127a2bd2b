import { randomBase62 } from '../domain/base62';
import type { Logger } from '../logger';
import { describeForLog } from './errors';
import { VERIFY_PATH } from './routes/verify';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Request ids name a request in logs; they need to be unique, not secret: a random prefix per process
 * and a counter, with no call into the CSPRNG on every request.
 */
const REQUEST_ID_PREFIX = `req_${randomBase62(10)}`;
let requestCounter = 0;

/** The caller's X-Request-Id when it is sane, else a fresh one. */
export function requestIdFor(given: string | undefined): string {
  return given && REQUEST_ID.test(given) ? given : `${REQUEST_ID_PREFIX}${(++requestCounter).toString(36)}`;
}

export interface AccessLogEntry {
  requestId: string;
  method: string;
  /** The route pattern (`/v1/keys/{id}`), never the raw URL or query. */
  route: string;
  status: number | undefined;
  durationMs: number;
}

/** One line per answered request. Verifications are logged at debug: each already has its row in the request logs. */
export function logRequest(logger: Logger, entry: AccessLogEntry): void {
  const level = entry.route === VERIFY_PATH && entry.status === 200 ? 'debug' : 'info';
  if (logger.isLevelEnabled(level)) logger[level](entry, 'request');
}

/** A 500 is logged with its cause under the request id; a 503 is logged once per outage by whatever noticed it. */
export function logFailure(logger: Logger, requestId: string, status: number, err: Error): void {
  if (status >= 500 && status !== 503) logger.error({ requestId, err: describeForLog(err) }, 'request failed');
}
