import type { RequestLogBatch } from './requestLogBatch';

/**
 * The bytes of a block of request logs: the logs of one key (or of one workspace's verifications that
 * matched no key) from one flush, in the order they were verified. Version 1:
 *
 *   version (1 byte) · count · string count · strings · per log: createdAt − previous log's createdAt
 *   (signed; the first log's from 0) · code · endpoint · client IP · duration µs · credits spent (signed)
 *
 * Numbers are LEB128 varints, signed ones zigzag-encoded; strings are a length and UTF-8 bytes, each
 * distinct string once per block, logs referring to it by its index (endpoint and IP as index + 1, 0 for
 * none). A hot key's block of 2,000 logs takes about 7 bytes per log.
 */
const VERSION = 1;

/** The most logs in one block: a log's id is its block's id × this + its place in the block. */
export const LOGS_PER_BLOCK = 4096;

/** Numbers are kept within ±2^50, so that a zigzag-encoded difference of two is a safe integer. */
const LARGEST = 2 ** 50;

/**
 * `n` as a whole number from `least` to LARGEST; a value out of range (none is, in practice) is clamped
 * rather than thrown, since one bad log must not keep a whole flush from being written.
 */
const whole = (n: number, least: number): number => (Number.isFinite(n) ? Math.min(LARGEST, Math.max(least, Math.round(n))) : 0);

/** One log read back from a block. */
export interface BlockLog {
  /** Place in the block, from 0. */
  index: number;
  createdAt: number;
  code: string;
  endpoint: string | null;
  clientIp: string | null;
  durationMicros: number;
  creditsSpent: number;
}

/** Encodes the logs `rows` (indexes into `logs`, at most LOGS_PER_BLOCK) of one block. */
export function encodeBlock(logs: RequestLogBatch, rows: readonly number[]): Buffer {
  if (rows.length > LOGS_PER_BLOCK) throw new RangeError(`a block holds at most ${LOGS_PER_BLOCK} logs, not ${rows.length}`);
  const strings = new Map<string, number>();
  const ref = (s: string): number => {
    let i = strings.get(s);
    if (i === undefined) strings.set(s, (i = strings.size));
    return i;
  };
  const optionalRef = (s: string | null | undefined): number => (s === null || s === undefined ? 0 : ref(s) + 1);
  const body = new Writer(8 * rows.length + 16);
  let previous = 0;
  for (const i of rows) {
    const createdAt = whole(logs.createdAt(i), 0);
    body.int(createdAt - previous);
    previous = createdAt;
    body.uint(ref(logs.codes[i]!));
    body.uint(optionalRef(logs.endpoints[i]));
    body.uint(optionalRef(logs.clientIps[i]));
    body.uint(whole(logs.durationMicros(i), 0));
    body.int(whole(logs.creditsSpent(i), -LARGEST));
  }
  const head = new Writer(64);
  head.byte(VERSION);
  head.uint(rows.length);
  head.uint(strings.size);
  for (const s of strings.keys()) head.string(s);
  return Buffer.concat([head.bytes(), body.bytes()]);
}

/** The logs of a block, in the order they were written. */
export function decodeBlock(bytes: Uint8Array): BlockLog[] {
  const r = new Reader(bytes);
  const version = r.byte();
  if (version !== VERSION) throw new Error(`request-log block of version ${version}; this service reads version ${VERSION}`);
  const count = r.uint();
  const strings: string[] = [];
  for (let n = r.uint(); n > 0; n--) strings.push(r.string());
  const text = (i: number): string => {
    const s = strings[i];
    if (s === undefined) throw new Error('request-log block refers to a string it does not hold');
    return s;
  };
  const logs: BlockLog[] = new Array<BlockLog>(count);
  let createdAt = 0;
  for (let index = 0; index < count; index++) {
    createdAt += r.int();
    const code = text(r.uint());
    const endpoint = r.uint();
    const clientIp = r.uint();
    logs[index] = {
      index,
      createdAt,
      code,
      endpoint: endpoint === 0 ? null : text(endpoint - 1),
      clientIp: clientIp === 0 ? null : text(clientIp - 1),
      durationMicros: r.uint(),
      creditsSpent: r.int(),
    };
  }
  if (!r.atEnd()) throw new Error('request-log block has bytes after its last log');
  return logs;
}

class Writer {
  private buf: Buffer;
  private at = 0;

  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.at++] = b;
  }

  /** A non-negative safe integer; arithmetic, not bit operations, which would cut it to 32 bits. */
  uint(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a non-negative safe integer: ${n}`);
    this.room(8);
    while (n >= 0x80) {
      this.buf[this.at++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.at++] = n;
  }

  int(n: number): void {
    this.uint(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  string(s: string): void {
    const length = Buffer.byteLength(s);
    this.uint(length);
    this.room(length);
    this.at += this.buf.write(s, this.at);
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.at);
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.at + n));
    this.buf.copy(grown, 0, 0, this.at);
    this.buf = grown;
  }
}

class Reader {
  private at = 0;

  constructor(private readonly bytes: Uint8Array) {}

  byte(): number {
    if (this.at >= this.bytes.length) throw new Error('request-log block ends early');
    return this.bytes[this.at++]!;
  }

  uint(): number {
    let n = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
    }
  }

  int(): number {
    const z = this.uint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  string(): string {
    const length = this.uint();
    if (this.at + length > this.bytes.length) throw new Error('request-log block ends early');
    const s = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.at, length).toString('utf8');
    this.at += length;
    return s;
  }

  atEnd(): boolean {
    return this.at === this.bytes.length;
  }
}
