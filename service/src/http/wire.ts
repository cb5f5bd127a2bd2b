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

/** A header line: a token, a colon, a value of visible characters, blanks and obs-text, blanks around it dropped (RFC 9112 §5). */
const HEADER_LINE = /([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*((?:[\x21-\x7e\x80-\xff]+(?:[ \t]+[\x21-\x7e\x80-\xff]+)*)?)[ \t]*\r\n/y;
const DIGITS = /^\d{1,9}$/;

/** Headers that make a request one the lane leaves to Node's HTTP server, whatever their value. */
const LEFT_TO_NODE = new Set(['transfer-encoding', 'content-encoding', 'expect', 'upgrade']);

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
  let connection: string | undefined;
  let host: string | undefined;
  HEADER_LINE.lastIndex = 0;
  while (HEADER_LINE.lastIndex < lines.length) {
    const match = HEADER_LINE.exec(lines);
    if (!match) return OTHER;
    const name = match[1]!.toLowerCase();
    const value = match[2]!;
    switch (name) {
      case 'authorization':
        if (authorization !== undefined) return OTHER;
        authorization = value;
        break;
      case 'content-type':
        if (contentType !== undefined) return OTHER;
        contentType = value;
        break;
      case 'x-request-id':
        if (requestId !== undefined) return OTHER;
        requestId = value;
        break;
      case 'content-length':
        if (contentLength !== undefined || !DIGITS.test(value)) return OTHER;
        contentLength = value;
        break;
      case 'connection':
        if (connection !== undefined) return OTHER;
        connection = value.toLowerCase();
        if (connection !== 'keep-alive' && connection !== 'close') return OTHER;
        break;
      case 'host':
        if (host !== undefined) return OTHER;
        host = value;
        break;
      default:
        if (LEFT_TO_NODE.has(name)) return OTHER;
    }
  }
  // Node refuses an HTTP/1.1 request without Host with a 400 of its own.
  if (host === undefined) return OTHER;
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
