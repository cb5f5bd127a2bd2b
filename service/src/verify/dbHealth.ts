import type { Database } from '../db/database';
import type { Logger } from '../logger';

/**
 * Whether verification may rely on the database. The first failed database call marks it down; from then
 * on verification fails closed (503, nothing consumed) without waiting on the driver, while a probe runs
 * `select 1` every `probeMs` and marks it up again by itself.
 */
export class DbHealth {
  private down = false;
  private probe: NodeJS.Timeout | null = null;

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
    this.down = true;
    this.logger.error({ err: describe(err) }, 'database unreachable: verification answers 503 until it is back');
    this.probe = setInterval(() => void this.check(), this.probeMs);
    this.probe.unref();
  }

  private async check(): Promise<void> {
    if (!(await this.db.ping())) return;
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
