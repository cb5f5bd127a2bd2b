import { Token } from './cdk';

type TimeUnit = 'second' | 'minute' | 'hour' | 'day';

const SECONDS_PER: Record<TimeUnit, number> = { second: 1, minute: 60, hour: 3600, day: 86400 };
const HCL_SUFFIX: Record<TimeUnit, string> = { second: 's', minute: 'm', hour: 'h', day: 'd' };
const LARGEST_FIRST: readonly TimeUnit[] = ['day', 'hour', 'minute', 'second'];

/**
 * A length of time, such as a rotation period or a rate-limit window, in whole seconds.
 *
 * Durations are rendered for the provider as a whole number and a unit (`Duration.days(90)` → `"90d"`),
 * always in the largest unit that is exact (`Duration.hours(36)` → `"36h"`, `Duration.minutes(90)` → `"90m"`).
 * The amount may be a token (e.g. a Terraform variable); such a duration is rendered in the unit it
 * was made with and is not validated at synth.
 */
export class Duration {
  /** A duration of `amount` seconds. */
  static seconds(amount: number): Duration {
    return new Duration(amount, 'second');
  }

  /** A duration of `amount` minutes. */
  static minutes(amount: number): Duration {
    return new Duration(amount, 'minute');
  }

  /** A duration of `amount` hours. */
  static hours(amount: number): Duration {
    return new Duration(amount, 'hour');
  }

  /** A duration of `amount` days (of 24 hours). */
  static days(amount: number): Duration {
    return new Duration(amount, 'day');
  }

  private constructor(
    private readonly amount: number,
    private readonly unit: TimeUnit,
  ) {
    if (Token.isUnresolved(amount)) return;
    const label = `${amount} ${unit}s`;
    if (typeof amount !== 'number' || !Number.isFinite(amount)) {
      throw new Error(`a duration must be a finite number, got ${String(amount)}`);
    }
    if (amount < 0) throw new Error(`a duration must not be negative, got ${label}`);
    if (!Number.isInteger(amount * SECONDS_PER[unit])) {
      throw new Error(`a duration must be a whole number of seconds, got ${label}`);
    }
  }

  /** True when the amount is a token whose value is only known to Terraform. */
  isUnresolved(): boolean {
    return Token.isUnresolved(this.amount);
  }

  /** The length in seconds. Throws for an unresolved duration. */
  toSeconds(): number {
    if (this.isUnresolved()) throw new Error('this duration is a token: its length is only known to terraform');
    return this.amount * SECONDS_PER[this.unit];
  }

  /**
   * The duration as the provider reads it: a whole number and `s`, `m`, `h` or `d`, in the largest exact
   * unit (`"90d"`, `"36h"`, `"0s"`).
   */
  toHcl(): string {
    if (this.isUnresolved()) return `${Token.asString(this.amount)}${HCL_SUFFIX[this.unit]}`;
    const seconds = this.toSeconds();
    const unit = largestExactUnit(seconds);
    return `${seconds / SECONDS_PER[unit]}${HCL_SUFFIX[unit]}`;
  }

  /**
   * The duration in the syntax of Terraform's `timeadd` function (Go durations: `h`, `m`, `s`; no days),
   * e.g. `Duration.days(365)` → `"8760h"`. Throws for an unresolved duration.
   */
  toTerraformTimeadd(): string {
    const seconds = this.toSeconds();
    const unit = largestExactUnit(seconds);
    const goUnit = unit === 'day' ? 'hour' : unit;
    return `${seconds / SECONDS_PER[goUnit]}${HCL_SUFFIX[goUnit]}`;
  }

  /** The duration for people, in the largest exact unit: `"90 days"`, `"1 hour"`, `"30 minutes"`. */
  toHumanString(): string {
    if (this.isUnresolved()) return `${Token.asString(this.amount)} ${this.unit}s`;
    const seconds = this.toSeconds();
    const unit = largestExactUnit(seconds);
    const amount = seconds / SECONDS_PER[unit];
    return `${amount} ${unit}${amount === 1 ? '' : 's'}`;
  }

  /** Negative when this duration is shorter than `other`, 0 when equal, positive when longer. */
  compareTo(other: Duration): number {
    return this.toSeconds() - other.toSeconds();
  }

  /** True when this duration is strictly shorter than `other`. */
  isShorterThan(other: Duration): boolean {
    return this.compareTo(other) < 0;
  }

  /** True when this duration is strictly longer than `other`. */
  isLongerThan(other: Duration): boolean {
    return this.compareTo(other) > 0;
  }

  /** True when both durations are the same length (`Duration.hours(24)` equals `Duration.days(1)`). */
  equals(other: Duration): boolean {
    return this.compareTo(other) === 0;
  }

  /** The same as `toHumanString()`. */
  toString(): string {
    return this.toHumanString();
  }
}

function largestExactUnit(seconds: number): TimeUnit {
  if (seconds === 0) return 'second';
  return LARGEST_FIRST.find((unit) => seconds % SECONDS_PER[unit] === 0) ?? 'second';
}
