/**
 * A value now, or a promise of it. The verify path's hot case (a cached key with room in its lease and
 * this instance's own rate limits) has nothing to wait for: it answers without creating a promise or
 * passing through the microtask queue, while whatever needs the database or Redis waits as usual.
 */
export type Maybe<T> = T | Promise<T>;

/** `next(value)`, at once when `value` is there, else when it resolves. */
export function then<T, R>(value: Maybe<T>, next: (value: T) => Maybe<R>): Maybe<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/**
 * `work()`, with `recover` called for its failure whether it throws at once or rejects later; `recover`
 * may answer instead, or rethrow.
 */
export function attempt<T>(work: () => Maybe<T>, recover: (err: unknown) => Maybe<T>): Maybe<T> {
  let value: Maybe<T>;
  try {
    value = work();
  } catch (err) {
    return recover(err);
  }
  return value instanceof Promise ? value.catch(recover) : value;
}
