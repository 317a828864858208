import { pino } from 'pino';
import type { Logger as PinoLogger } from 'pino';
import type { LogFields, Logger } from '../../shared/ports/logger.js';
import { CofferError } from '../../shared/errors.js';

/** JSON lines on stderr (stdout belongs to CLI output such as `--json` and `get --raw`). */
export function createPinoLogger(level: string): Logger {
  return wrap(pino({ level, base: { app: 'coffer' } }, pino.destination(2)));
}

function wrap(log: PinoLogger): Logger {
  return {
    debug: (msg, fields) => log.debug(fields ?? {}, msg),
    info: (msg, fields) => log.info(fields ?? {}, msg),
    warn: (msg, fields) => log.warn(fields ?? {}, msg),
    error: (msg, err, fields) => log.error({ ...fields, err: describe(err) }, msg),
    child: (fields: LogFields) => wrap(log.child(fields)),
  };
}

/** Name, code and stack only: an error message from a parser may quote the message itself. */
function describe(err: unknown): Record<string, unknown> | undefined {
  if (err === undefined) return undefined;
  if (!(err instanceof Error)) return { type: typeof err };
  return {
    name: err.name,
    code: err instanceof CofferError ? err.code : (err as { code?: unknown }).code,
    stack: err.stack?.split('\n').slice(1).join('\n'),
  };
}
