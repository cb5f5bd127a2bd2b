import { ValidationError } from '../domain/errors';

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
