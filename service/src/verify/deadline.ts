import { UnavailableError } from '../domain/errors';
import type { DbHealth } from './dbHealth';

/** Thrown when a verification's time to wait on the database is up. */
export class DeadlineExceeded extends Error {
  constructor(
    timeoutMs: number,
    /** When the verification began (`performance.now()`). */
    readonly startedAt: number,
  ) {
    super(`the database did not answer within the verification's ${timeoutMs} ms`);
  }
}

/**
 * How long one verification may still wait on the database. Past it the verification answers 503; the
 * work it waited for goes on without it (a lookup still fills the cache, a lease grant still lands in the
 * lease), so nothing that reaches the database is lost and nothing is consumed for the abandoned request.
 */
export class Deadline {
  private readonly startedAt = performance.now();
  private readonly at: number;

  constructor(private readonly timeoutMs: number) {
    this.at = this.startedAt + timeoutMs;
  }

  /** `work`'s outcome, or `DeadlineExceeded` if the deadline comes first. */
  async race<T>(work: Promise<T>): Promise<T> {
    // A rejection after the deadline has nobody waiting for it.
    work.catch(() => undefined);
    const left = this.at - performance.now();
    if (left <= 0) throw new DeadlineExceeded(this.timeoutMs, this.startedAt);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DeadlineExceeded(this.timeoutMs, this.startedAt)), left);
    });
    try {
      return await Promise.race([work, expired]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** No deadline (callers outside a verification, and tests). */
export const NO_DEADLINE: Pick<Deadline, 'race'> = { race: (work) => work };

/**
 * Waits for a grant or return in flight, until `deadline` at most; fails at once while the database is
 * down. Past the deadline the database counts as failing and the request gets `unavailable`; the work it
 * waited for goes on and lands where it belongs.
 */
export async function waitForDatabase(
  pending: Promise<void>,
  deadline: Pick<Deadline, 'race'>,
  health: Pick<DbHealth, 'healthy' | 'reportFailure'>,
  unavailable: () => UnavailableError,
): Promise<void> {
  pending.catch(() => undefined);
  if (!health.healthy) throw unavailable();
  try {
    await deadline.race(pending);
  } catch (err) {
    if (!(err instanceof DeadlineExceeded)) throw err;
    health.reportFailure(err);
    throw unavailable();
  }
}
