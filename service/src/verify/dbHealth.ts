import type { Database } from '../db/database';
import type { Logger } from '../logger';
import { DeadlineExceeded } from './deadline';

/**
 * Whether verification may rely on the database. The first failed database call (or one that did not
 * answer within the verification timeout) marks it down; from then on what needs the database answers 503
 * (nothing consumed) without waiting on the driver, while a probe runs `select 1` (bounded by `probeMs`)
 * every `probeMs` and marks it up again by itself.
 */
export class DbHealth {
  private down = false;
  private probe: NodeJS.Timeout | null = null;
  private checking = false;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly probeMs = 500,
  ) {}

  get healthy(): boolean {
    return !this.down;
  }

  reportFailure(err: unknown): void {
    if (this.down) return;
    // A verification that ran out of time while the database kept answering others waited on a busy
    // database (a queue of grants for one key), not on a dead one.
    if (err instanceof DeadlineExceeded && this.db.answeredSince(err.startedAt)) return;
    this.down = true;
    this.logger.error({ err: describe(err) }, 'database unreachable: verification serves only cached keys and leased units until it is back');
    this.probe = setInterval(() => void this.check(), this.probeMs);
    this.probe.unref();
  }

  private async check(): Promise<void> {
    // A database that does not answer holds a probe for `probeMs`: the next one waits for it.
    if (this.checking) return;
    this.checking = true;
    const up = await this.db.ping(this.probeMs).finally(() => (this.checking = false));
    if (!up || !this.down) return;
    this.down = false;
    if (this.probe) clearInterval(this.probe);
    this.probe = null;
    this.logger.info('database reachable again: verification resumed');
  }

  stop(): void {
    if (this.probe) clearInterval(this.probe);
    this.probe = null;
  }
}

/** The driver's code and message only: knex errors can carry SQL with bound values. */
function describe(err: unknown): { code?: unknown; message: string } {
  const e = err as { code?: unknown; message?: unknown } | null;
  return { code: e?.code, message: String(e?.message ?? err).split('\n')[0]!.replace(/^.* - /, '') };
}
