/** One verification's request log, as the verifier hands it over. */
export interface RequestLogEntry {
  workspaceId: string;
  keyId: string | null;
  endpoint: string | null;
  code: string;
  durationMicros: number;
  clientIp: string | null;
  creditsSpent: number;
  createdAt: number;
}

/** Numbers kept per log in `numbers`, in this order. */
const DURATION = 0;
const CREDITS = 1;
const CREATED = 2;
const NUMBERS_PER_LOG = 3;

/**
 * Request logs waiting to be written, a column per field. A verification adds three numbers to a typed
 * array and references to strings that live on anyway (its workspace's id, its key's, its code), where
 * an object per log lived until the flush and every minor GC in between copied it.
 */
export class RequestLogBatch {
  length = 0;
  readonly workspaceIds: string[] = [];
  readonly keyIds: Array<string | null> = [];
  readonly endpoints: Array<string | null> = [];
  readonly codes: string[] = [];
  readonly clientIps: Array<string | null> = [];
  private numbers: Float64Array;

  constructor(capacity = 1024) {
    this.numbers = new Float64Array(NUMBERS_PER_LOG * Math.max(1, capacity));
  }

  static of(entries: readonly RequestLogEntry[]): RequestLogBatch {
    const batch = new RequestLogBatch(entries.length);
    for (const entry of entries) batch.push(entry);
    return batch;
  }

  push(entry: RequestLogEntry): void {
    const at = NUMBERS_PER_LOG * this.length;
    if (at + NUMBERS_PER_LOG > this.numbers.length) {
      const grown = new Float64Array(this.numbers.length * 2);
      grown.set(this.numbers);
      this.numbers = grown;
    }
    this.workspaceIds.push(entry.workspaceId);
    this.keyIds.push(entry.keyId);
    this.endpoints.push(entry.endpoint);
    this.codes.push(entry.code);
    this.clientIps.push(entry.clientIp);
    this.numbers[at + DURATION] = entry.durationMicros;
    this.numbers[at + CREDITS] = entry.creditsSpent;
    this.numbers[at + CREATED] = entry.createdAt;
    this.length++;
  }

  durationMicros(i: number): number {
    return this.numbers[NUMBERS_PER_LOG * i + DURATION]!;
  }

  creditsSpent(i: number): number {
    return this.numbers[NUMBERS_PER_LOG * i + CREDITS]!;
  }

  createdAt(i: number): number {
    return this.numbers[NUMBERS_PER_LOG * i + CREATED]!;
  }

  /** The `i`th log (0 = the oldest) as an object. */
  at(i: number): RequestLogEntry {
    return {
      workspaceId: this.workspaceIds[i]!,
      keyId: this.keyIds[i] ?? null,
      endpoint: this.endpoints[i] ?? null,
      code: this.codes[i]!,
      durationMicros: this.durationMicros(i),
      clientIp: this.clientIps[i] ?? null,
      creditsSpent: this.creditsSpent(i),
      createdAt: this.createdAt(i),
    };
  }

  /** A batch of these logs followed by `later`'s. */
  concat(later: RequestLogBatch): RequestLogBatch {
    const both = new RequestLogBatch(this.length + later.length);
    for (const batch of [this, later]) for (let i = 0; i < batch.length; i++) both.push(batch.at(i));
    return both;
  }

  /** Forgets the `count` oldest logs. */
  dropOldest(count: number): void {
    const n = Math.min(count, this.length);
    for (const column of [this.workspaceIds, this.keyIds, this.endpoints, this.codes, this.clientIps]) column.splice(0, n);
    this.numbers.copyWithin(0, NUMBERS_PER_LOG * n, NUMBERS_PER_LOG * this.length);
    this.length -= n;
  }
}
