/**
 * One structured logger. Fields carry ids, hashes, sizes and counts — never message bodies,
 * subjects or addresses beyond what an operator needs to trace a delivery.
 */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  /** `err` is logged with its name, code and stack — never a message body. */
  error(msg: string, err?: unknown, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}
