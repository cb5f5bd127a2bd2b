import { ValidationError } from '../domain/errors';
import type { Page } from '../domain/model';

/** Cursors are opaque to clients: a base64url-wrapped position. */
export function encodeCursor(position: number | string): string {
  return Buffer.from(`c1:${position}`).toString('base64url');
}

export function decodeNumericCursor(cursor: string): number {
  const position = Number(decode(cursor));
  if (!Number.isSafeInteger(position) || position < 0) throw badCursor();
  return position;
}

export function decodeTextCursor(cursor: string): string {
  return decode(cursor);
}

function decode(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith('c1:') || text.length < 4) throw badCursor();
  return text.slice(3);
}

const badCursor = (): ValidationError =>
  ValidationError.forField('cursor', 'is not a cursor this API returned; pass nextCursor from the previous page');

/** A page of at most `limit` items; a full page carries the cursor after its last item. */
export function toPage<T>(items: T[], limit: number, positionOf: (item: T) => number | string): Page<T> {
  const last = items.length === limit ? items[items.length - 1] : undefined;
  return { items, nextCursor: last === undefined ? null : encodeCursor(positionOf(last)) };
}
