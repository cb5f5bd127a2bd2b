import { ValidationError } from '../domain/errors';
import type { Page } from '../domain/model';
import type { LogPosition } from '../repositories/requestLogs';

/** Cursors are opaque to clients: a base64url-wrapped position. */
export function encodeCursor(position: number | string): string {
  return Buffer.from(`c1:${position}`).toString('base64url');
}

export function decodeNumericCursor(cursor: string): number {
  return numericPosition(decode(cursor));
}

function numericPosition(text: string): number {
  const position = Number(text);
  if (!Number.isSafeInteger(position) || position < 0) throw badCursor();
  return position;
}

export function decodeTextCursor(cursor: string): string {
  return decode(cursor);
}

const LOG_POSITION = /^(\d{1,16}):(\d{1,20})$/;

/** A log's place in a key's list, as written into a cursor. */
export const logCursorPosition = (log: { createdAt: Date; id: string }): string => `${log.createdAt.getTime()}:${log.id}`;

/**
 * A cursor of a key's request logs: the position of the page's last log. A cursor of the log's id alone,
 * issued before logs were stored in blocks, names a log that no longer has that id: it is refused.
 */
export function decodeLogCursor(cursor: string): LogPosition {
  const match = LOG_POSITION.exec(decode(cursor));
  if (!match) throw badCursor();
  const createdAt = Number(match[1]);
  const id = Number(match[2]);
  if (!Number.isSafeInteger(createdAt) || !Number.isSafeInteger(id)) throw badCursor();
  return { createdAt, id };
}

function decode(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith('c1:') || text.length < 4) throw badCursor();
  return text.slice(3);
}

export const badCursor = (): ValidationError =>
  ValidationError.forField('cursor', 'is not a cursor this API returned; pass nextCursor from the previous page');

/** A page of at most `limit` items; a full page carries the cursor after its last item. */
export function toPage<T>(items: T[], limit: number, positionOf: (item: T) => number | string): Page<T> {
  const last = items.length === limit ? items[items.length - 1] : undefined;
  return { items, nextCursor: last === undefined ? null : encodeCursor(positionOf(last)) };
}
