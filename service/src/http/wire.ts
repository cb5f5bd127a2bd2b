import { STATUS_CODES } from 'node:http';
import type { LaneHead } from './verifyLane';

/**
 * The head of one request, as the wire reader sees the start of a connection's unread bytes:
 * - `more`: not all of it has arrived, and what has could begin a request the lane takes;
 * - `other`: anything else (another path or method, HTTP/1.0, a chunked or compressed body, `Expect`,
 *   `Upgrade`, a header given twice that matters, bytes that are not HTTP), which Node's HTTP server reads;
 * - a request the lane takes, with the length of its head and of its body.
 */
export type WireHead =
  | { kind: 'more' }
  | { kind: 'other' }
  | { kind: 'request'; headLength: number; bodyLength: number; close: boolean; head: LaneHead };

const MORE: WireHead = { kind: 'more' };
const OTHER: WireHead = { kind: 'other' };
const END_OF_HEAD = Buffer.from('\r\n\r\n');

/** Characters of a header name (an RFC 9110 token), by code. */
const TOKEN = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TOKEN[c.charCodeAt(0)] = 1;
const DIGITS = /^\d{1,9}$/;
const isBlank = (c: number): boolean => c === 0x20 || c === 0x09;

/** Whether the header name at `from` (a token, `length` long) is `lower`, in any case. */
function named(text: string, from: number, length: number, lower: string): boolean {
  if (length !== lower.length) return false;
  // Within a token, `| 0x20` folds A-Z onto a-z and changes nothing a lower-case name could match otherwise.
  for (let i = 0; i < length; i++) if ((text.charCodeAt(from + i) | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

/** Headers that make a request one the lane leaves to Node's HTTP server, whatever their value. */
const LEFT_TO_NODE = ['transfer-encoding', 'content-encoding', 'expect', 'upgrade'];

export interface WireLimits {
  /** `POST <path> HTTP/1.1`: the only request line the wire reader takes. */
  path: string;
  /** Bodies longer than this are left to Node's HTTP server (which refuses them as the lane does). */
  maxBodyBytes: number;
  /** Node's own limit on a head (16 KiB): a longer one is left to it, to refuse. */
  maxHeadBytes: number;
}

/** The request line the wire reader takes, as bytes. */
export function requestLineOf(path: string): Buffer {
  return Buffer.from(`POST ${path} HTTP/1.1\r\n`, 'latin1');
}

/**
 * Reads the head at the start of `buffer`. It is strict where Node's parser is, and leaves whatever it is
 * unsure of to Node (`other`): a request the two would read differently never reaches the lane.
 */
export function readHead(buffer: Buffer, requestLine: Buffer, limits: WireLimits): WireHead {
  const prefix = Math.min(buffer.length, requestLine.length);
  if (buffer.compare(requestLine, 0, prefix, 0, prefix) !== 0) return OTHER;
  // From the request line's own CRLF: a head with no header lines ends right after it.
  const end = buffer.indexOf(END_OF_HEAD, requestLine.length - 2);
  if (end < 0) return buffer.length >= limits.maxHeadBytes ? OTHER : MORE;
  const headLength = end + 4;
  if (headLength > limits.maxHeadBytes) return OTHER;
  const lines = buffer.toString('latin1', requestLine.length, headLength - 2);
  let authorization: string | undefined;
  let contentType: string | undefined;
  let requestId: string | undefined;
  let contentLength: string | undefined;
  let seenContentLength = false;
  let connection: string | undefined;
  let host = false;
  // Each line: a token, a colon, a value of visible characters, blanks and obs-text, the blanks around it dropped (RFC 9112 §5).
  for (let at = 0; at < lines.length; ) {
    const eol = lines.indexOf('\r\n', at);
    const colon = lines.indexOf(':', at);
    if (colon <= at || colon > eol) return OTHER;
    for (let i = at; i < colon; i++) {
      const c = lines.charCodeAt(i);
      if (c > 127 || TOKEN[c] === 0) return OTHER;
    }
    let from = colon + 1;
    let to = eol;
    while (from < to && isBlank(lines.charCodeAt(from))) from++;
    while (to > from && isBlank(lines.charCodeAt(to - 1))) to--;
    for (let i = from; i < to; i++) {
      const c = lines.charCodeAt(i);
      if ((c < 0x20 && c !== 0x09) || c === 0x7f) return OTHER;
    }
    const length = colon - at;
    if (named(lines, at, length, 'authorization')) {
      if (authorization !== undefined) return OTHER;
      authorization = lines.slice(from, to);
    } else if (named(lines, at, length, 'content-type')) {
      if (contentType !== undefined) return OTHER;
      contentType = lines.slice(from, to);
    } else if (named(lines, at, length, 'x-request-id')) {
      if (requestId !== undefined) return OTHER;
      requestId = lines.slice(from, to);
    } else if (named(lines, at, length, 'content-length')) {
      contentLength = lines.slice(from, to);
      if (seenContentLength || !DIGITS.test(contentLength)) return OTHER;
      seenContentLength = true;
    } else if (named(lines, at, length, 'connection')) {
      if (connection !== undefined) return OTHER;
      connection = lines.slice(from, to).toLowerCase();
      if (connection !== 'keep-alive' && connection !== 'close') return OTHER;
    } else if (named(lines, at, length, 'host')) {
      if (host) return OTHER;
      host = true;
    } else {
      for (const name of LEFT_TO_NODE) if (named(lines, at, length, name)) return OTHER;
    }
    at = eol + 2;
  }
  // Node refuses an HTTP/1.1 request without Host with a 400 of its own.
  if (!host) return OTHER;
  const bodyLength = contentLength === undefined ? 0 : Number(contentLength);
  if (bodyLength > limits.maxBodyBytes) return OTHER;
  return { kind: 'request', headLength, bodyLength, close: connection === 'close', head: { authorization, contentType, requestId } };
}

/** `Date` as HTTP writes it, made once a second. */
let dateSecond = -1;
let dateText = '';
function httpDate(now: number): string {
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

/**
 * An answer's bytes as Node's HTTP server writes them for the lane's `writeHead()`/`end()`: the status
 * line, the answer's own headers, the lane's fixed ones (`fixed`: whole lines), `Content-Length`, `Date`,
 * and `Connection` with `Keep-Alive`, or `Connection: close` when `keepAliveSeconds` is null.
 */
export function formatAnswer(
  answer: { status: number; headers: Record<string, string>; text: string },
  fixed: string,
  now: number,
  keepAliveSeconds: number | null,
): string {
  let head = `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? 'Unknown'}\r\n`;
  for (const name in answer.headers) head += `${name}: ${answer.headers[name]}\r\n`;
  head += `${fixed}content-length: ${Buffer.byteLength(answer.text)}\r\nDate: ${httpDate(now)}\r\n`;
  head += keepAliveSeconds === null ? 'Connection: close\r\n' : `Connection: keep-alive\r\nKeep-Alive: timeout=${keepAliveSeconds}\r\n`;
  return `${head}\r\n${answer.text}`;
}
