import { createHash } from 'node:crypto';
import { CofferError } from '../errors.js';
import { GENESIS_HASH } from '../ports/audit-log.js';
import type { AuditDetail, AuditEntry, AuditFilter, AuditLog } from '../ports/audit-log.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { Page } from '../ports/catalog.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import { canonicalJson, checkLink, withHash } from './hash-chain.js';
import { SEAL_PREFIX, decodeSeal, encodeSeal, parseSealKey, sealKey } from './seals.js';
import type { SealRef } from './seals.js';

export interface AuditTrailDeps {
  log: AuditLog;
  /** The write-once store the seals go to. */
  blobs: BlobStore;
  clock: Clock;
  logger: Logger;
  /** How long seals are retained (default 3,653 days: ten years). */
  retentionDays?: number;
}

/** An entry as a use case writes it; the trail adds seq, time and hashes. */
export type AuditRecordInput = Omit<AuditEntry, 'seq' | 'at' | 'prevHash' | 'hash'>;

export interface AuditVerifyResult {
  ok: boolean;
  /** Entries checked (the log's length when verify began, if ok). */
  entries: number;
  /** The last seq also confirmed by a seal in the write-once store (0: nothing sealed yet). */
  sealedThrough: number;
  /** The first entry that is missing, altered, unlinked or differs from its seal. */
  firstBrokenSeq?: number;
  reason?: string;
}

export interface AuditSealResult {
  /** Entries written into seals by this call (0 when everything was sealed already). */
  sealed: number;
  /** The last seal object written. */
  key?: string;
}

const DEFAULT_RETENTION_DAYS = 3653;
const DAY_MS = 86_400_000;
/** Appends lost to writers in other processes before giving up (in-process writers queue instead). */
const MAX_ATTEMPTS = 100;
/** Entries read per `range` call while walking the log. */
const PAGE = 500;
/** Entries per seal object: a first seal of a long log is written as several objects. */
const MAX_SEAL_ENTRIES = 10_000;
const MAX_LIST_LIMIT = 500;
const ACTION = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*$/;

/**
 * The audit trail: records who did what to archived data in an append-only, hash-chained log,
 * verifies the chain, and seals runs of entries into the write-once store so that even a
 * consistently recomputed chain cannot pass for the original (docs/audit.md).
 *
 * Writers in this process queue behind each other, so they never contend; writers in other
 * processes (other Lambdas, a CLI next to the server) race for the next seq and the log lets
 * exactly one win: the others read the new head and try again.
 */
export class AuditTrail {
  private readonly retentionDays: number;
  private readonly lanes: Record<'writing' | 'sealing', Promise<unknown>> = {
    writing: Promise.resolve(),
    sealing: Promise.resolve(),
  };

  constructor(private readonly deps: AuditTrailDeps) {
    const days = deps.retentionDays ?? DEFAULT_RETENTION_DAYS;
    if (!Number.isSafeInteger(days) || days < 1) {
      throw new CofferError('CONFIG.INVALID', `audit seal retention must be a whole number of days ≥ 1, got ${days}`);
    }
    this.retentionDays = days;
  }

  /** Appends one entry and returns it, hash and all. */
  async record(input: AuditRecordInput): Promise<AuditEntry> {
    const fields = prepare(input);
    return this.inLane('writing', () => this.append(fields));
  }

  /** Newest first; see AuditLog.list. `limit` is capped at 500. */
  async list(filter: AuditFilter): Promise<Page<AuditEntry>> {
    if (!Number.isSafeInteger(filter.limit) || filter.limit < 1) {
      throw new CofferError('REQUEST.INVALID', 'limit must be a positive whole number');
    }
    return this.deps.log.list({ ...filter, limit: Math.min(filter.limit, MAX_LIST_LIMIT) });
  }

  /**
   * Walks the whole log (as it was when verify began) and recomputes every hash and link; every
   * entry that is also in a seal must equal its sealed copy; every sealed entry must still be in
   * the log. Stops at the first break.
   */
  async verify(): Promise<AuditVerifyResult> {
    const { log, logger } = this.deps;
    const head = await log.head();
    const seals = (await this.listSeals()).sort((a, b) => a.first - b.first || a.last - b.last);
    const sealedThrough = seals.reduce((max, seal) => Math.max(max, seal.last), 0);
    const end = head?.seq ?? 0;
    let prev = { seq: 0, hash: GENESIS_HASH };
    let checked = 0;
    let nextSeal = 0;
    const sealed = new Map<number, { entry: AuditEntry; key: string }[]>();

    const broken = (seq: number, reason: string): AuditVerifyResult => {
      logger.warn('audit chain broken', { firstBrokenSeq: seq, reason, checked });
      return { ok: false, entries: checked, sealedThrough, firstBrokenSeq: seq, reason };
    };

    if (!head && (await log.range(1, 1)).length > 0) return broken(1, 'the log has entries but no head');
    while (prev.seq < end) {
      // Entries appended since verify began are left for the next run.
      const page = (await log.range(prev.seq + 1, PAGE)).filter((entry) => entry.seq <= end);
      if (page.length === 0) return broken(prev.seq + 1, `entries ${prev.seq + 1} to ${end} are missing`);
      for (const entry of page) {
        const link = checkLink(entry, prev);
        if (!link.ok) return broken(Math.min(entry.seq, prev.seq + 1), link.reason);
        for (let seal = seals[nextSeal]; seal && seal.first <= entry.seq; seal = seals[++nextSeal]) {
          const loaded = await this.readSeal(seal);
          if (!loaded) return broken(seal.first, `seal ${seal.key} is unreadable or malformed`);
          for (const copy of loaded) sealed.set(copy.seq, [...(sealed.get(copy.seq) ?? []), { entry: copy, key: seal.key }]);
        }
        for (const copy of sealed.get(entry.seq) ?? []) {
          if (canonicalJson(copy.entry) !== canonicalJson(entry)) {
            return broken(entry.seq, `entry ${entry.seq} differs from its sealed copy in ${copy.key}`);
          }
        }
        sealed.delete(entry.seq);
        prev = entry;
        checked++;
      }
    }
    if (head && prev.hash !== head.hash) return broken(head.seq, `the head (${head.seq}) does not match the last entry`);
    const missing = Math.min(...sealed.keys(), ...seals.slice(nextSeal).map((seal) => seal.first));
    if (Number.isFinite(missing)) return broken(missing, `entry ${missing} is sealed but missing from the log`);
    logger.info('audit chain verified', { entries: checked, sealedThrough });
    return { ok: true, entries: checked, sealedThrough };
  }

  /**
   * Copies the entries appended since the last seal into the write-once store, after checking
   * that they chain on from the last sealed entry (a broken log is never sealed: that would
   * certify the damage). Safe to run concurrently with record(); two sealers racing write the
   * same object (same bytes) or overlapping ones, which verify accepts.
   */
  seal(): Promise<AuditSealResult> {
    return this.inLane('sealing', () => this.sealNow());
  }

  /** Runs work after everything queued on the same lane, whether that succeeded or not. */
  private inLane<T>(lane: 'writing' | 'sealing', work: () => Promise<T>): Promise<T> {
    const run = this.lanes[lane].then(work, work);
    this.lanes[lane] = run.catch(() => undefined);
    return run;
  }

  private async sealNow(): Promise<AuditSealResult> {
    const { log, blobs, clock, logger } = this.deps;
    const seals = await this.listSeals();
    const last = seals.reduce<SealRef | undefined>((best, seal) => (!best || seal.last > best.last ? seal : best), undefined);
    let prev = { seq: 0, hash: GENESIS_HASH };
    if (last) {
      const entries = await this.readSeal(last);
      const tail = entries?.[entries.length - 1];
      if (!tail) throw new CofferError('INTERNAL', `audit seal ${last.key} is unreadable or malformed`);
      prev = tail;
    }
    const head = await log.head();
    let sealed = 0;
    let key: string | undefined;
    while (head && prev.seq < head.seq) {
      const batch: AuditEntry[] = [];
      while (batch.length < MAX_SEAL_ENTRIES && prev.seq < head.seq) {
        const page = await log.range(prev.seq + 1, Math.min(PAGE, MAX_SEAL_ENTRIES - batch.length, head.seq - prev.seq));
        if (page.length === 0) throw brokenLog(logger, prev.seq + 1, `entries ${prev.seq + 1} to ${head.seq} are missing`);
        for (const entry of page) {
          const link = checkLink(entry, prev);
          if (!link.ok) throw brokenLog(logger, Math.min(entry.seq, prev.seq + 1), link.reason);
          batch.push(entry);
          prev = entry;
        }
      }
      const first = batch[0];
      if (!first) break;
      const bytes = encodeSeal(batch);
      key = sealKey(first.seq, prev.seq);
      const retainUntil = new Date(clock.now().getTime() + this.retentionDays * DAY_MS);
      await blobs.put(key, bytes, { sha256: createHash('sha256').update(bytes).digest('hex'), retainUntil, contentType: 'application/jsonl' });
      sealed += batch.length;
      logger.info('audit entries sealed', { key, first: first.seq, last: prev.seq });
    }
    return key === undefined ? { sealed } : { sealed, key };
  }

  private async listSeals(): Promise<SealRef[]> {
    const seals: SealRef[] = [];
    for await (const key of this.deps.blobs.list(SEAL_PREFIX)) {
      const seal = parseSealKey(key);
      if (seal) seals.push(seal);
    }
    return seals;
  }

  /** The seal's entries, or null when it cannot be read or is not exactly entries first…last. */
  private async readSeal(seal: SealRef): Promise<AuditEntry[] | null> {
    try {
      const entries = decodeSeal(await this.deps.blobs.getBytes(seal.key));
      const contiguous = entries.length === seal.last - seal.first + 1 && entries.every((e, i) => e.seq === seal.first + i);
      return contiguous ? entries : null;
    } catch (err) {
      this.deps.logger.error('audit seal unreadable', err, { key: seal.key });
      return null;
    }
  }

  private async append(fields: EntryFields): Promise<AuditEntry> {
    const { log, clock, logger } = this.deps;
    for (let attempt = 1; ; attempt++) {
      const head = await log.head();
      const now = clock.now().toISOString();
      const entry = withHash({
        seq: (head?.seq ?? 0) + 1,
        // Never before the previous entry, so that seq order is time order even across skewed clocks.
        at: head && head.at > now ? head.at : now,
        ...fields,
        prevHash: head?.hash ?? GENESIS_HASH,
      });
      try {
        await log.append(entry);
        logger.debug('audit entry recorded', { seq: entry.seq, action: entry.action });
        return entry;
      } catch (err) {
        if (!(err instanceof CofferError && err.code === 'AUDIT.CONFLICT')) throw err;
        if (attempt >= MAX_ATTEMPTS) {
          logger.error('audit entry not recorded: the log kept moving', err, { attempts: attempt, action: entry.action });
          throw err;
        }
        logger.debug('audit append lost a race; retrying', { seq: entry.seq, attempt });
        await sleep(Math.random() * Math.min(100, 2 ** attempt));
      }
    }
  }
}

type EntryFields = Omit<AuditEntry, 'seq' | 'at' | 'prevHash' | 'hash'>;

/** Validates what a use case asks to record; strings are made well-formed so they survive UTF-8 storage unchanged. */
function prepare(input: AuditRecordInput): EntryFields {
  if (input.actor === '') throw new CofferError('INTERNAL', 'an audit entry needs an actor');
  if (!ACTION.test(input.action)) throw new CofferError('INTERNAL', `not an audit action: ${input.action}`);
  if (input.count !== undefined && !(Number.isSafeInteger(input.count) && input.count >= 0)) {
    throw new CofferError('INTERNAL', `audit count must be a whole number ≥ 0, got ${input.count}`);
  }
  const fields: EntryFields = { actor: wellFormed(input.actor), role: input.role, action: input.action };
  if (input.target !== undefined) fields.target = wellFormed(input.target);
  if (input.query !== undefined) fields.query = wellFormed(input.query);
  if (input.count !== undefined) fields.count = input.count;
  if (input.details !== undefined) {
    const details: Record<string, AuditDetail> = {};
    for (const [key, value] of Object.entries(input.details)) {
      if (typeof value === 'number' && !Number.isFinite(value)) {
        throw new CofferError('INTERNAL', `audit detail ${key} is not a finite number`);
      }
      details[wellFormed(key)] = typeof value === 'string' ? wellFormed(value) : value;
    }
    fields.details = details;
  }
  return fields;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A lone surrogate cannot be stored as UTF-8: it would come back as U+FFFD and break the hash. */
function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

function brokenLog(logger: Logger, seq: number, reason: string): CofferError {
  logger.error('audit log broken: not sealed', undefined, { firstBrokenSeq: seq, reason });
  return new CofferError('INTERNAL', `the audit log is broken at entry ${seq} (${reason}); sealing stopped there — run audit verify`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
