import type { LogFields, Logger } from '../../shared/ports/logger.js';
import { CofferError } from '../../shared/errors.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * The Lambda functions' logger: one JSON object per line on stdout, which CloudWatch Logs keeps
 * as is (and Logs Insights queries by field). Fields are ids, hashes, sizes and counts — the
 * Logger port's rule — and errors are reduced to what cannot quote a message body.
 */
export function createJsonLogger(level: LogLevel, base: LogFields = {}, write: (line: string) => void = stdout): Logger {
  const min = RANK[level];
  const emit = (lvl: LogLevel, msg: string, fields: Record<string, unknown>) => {
    if (RANK[lvl] < min) return;
    write(JSON.stringify({ level: lvl, time: new Date().toISOString(), msg, ...base, ...fields }));
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields ?? {}),
    info: (msg, fields) => emit('info', msg, fields ?? {}),
    warn: (msg, fields) => emit('warn', msg, fields ?? {}),
    error: (msg, err, fields) => emit('error', msg, { ...fields, err: describeError(err) }),
    child: (fields) => createJsonLogger(level, { ...base, ...fields }, write),
  };
}

function stdout(line: string): void {
  process.stdout.write(`${line}\n`);
}

/**
 * Name, code and stack frames. The text is kept only for our own errors and AWS service errors
 * (an AccessDenied names the missing permission); a parser's message may quote the message itself.
 */
export function describeError(err: unknown): Record<string, unknown> | undefined {
  if (err === undefined) return undefined;
  if (!(err instanceof Error)) return { type: typeof err };
  const code = err instanceof CofferError ? err.code : (err as { code?: unknown }).code;
  const isAws = typeof (err as { $metadata?: unknown }).$metadata === 'object';
  const described: Record<string, unknown> = {
    name: err.name,
    ...(code !== undefined ? { code } : {}),
    ...(err instanceof CofferError || isAws ? { message: err.message } : {}),
    stack: err.stack?.split('\n').slice(1).join('\n'),
  };
  if (err.cause !== undefined) described['cause'] = describeError(err.cause);
  return described;
}
