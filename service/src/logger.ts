import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs, one object per line. Nothing here ever receives a secret: request logs carry
 * the request id, route, status and duration, never headers or bodies.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, base: { service: 'keysmith' }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}
