/**
 * Parity of the two runtimes on real mail. The same Enron files are imported, byte for byte and
 * with the same delivery ids and clock, through the AWS composition root (S3 Object Lock +
 * DynamoDB on moto, OpenSearch) and through the embedded one (files + SQLite), then:
 *
 *   - every catalog record and every delivery list is compared field by field;
 *   - a list of query-language queries, with values picked from the data, is run through both
 *     `search.execute` (the API's shape, all pages) AND directly against the two SearchIndex
 *     engines (SqliteFtsIndex, OpenSearchIndex) with the same parsed AST: same ids, same order,
 *     same totals, same cursors.
 *
 * This is a parity test, not a correctness test (search-corpus.test.ts checks the SQLite engine
 * against sets computed independently from the source files): here the embedded answer is the
 * reference, and each query is asserted to select some messages but not all of them.
 */
import { execFile } from 'node:child_process';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestAws } from '../support/aws.js';
import type { AwsArchive, AwsConfig } from '../../functions/compose.js';
import { versionedName } from '../../adapters/aws/opensearch-index.js';
import type { IntakeRequest, IntakeResult } from '../../shared/intake/ingest-message.js';
import type { MessageRecord } from '../../shared/domain/records.js';
import type { Catalog } from '../../shared/ports/catalog.js';
import type { SearchIndex, SearchSort } from '../../shared/ports/search-index.js';
import type { SearchHit } from '../../shared/search/search-messages.js';
import { parseQuery } from '../../shared/query/parser.js';
import { bytesSource, tempArchive } from '../support/archive.js';
import type { TestArchive } from '../support/archive.js';
import { sha256 } from '../support/bytes.js';
import { ManualClock } from '../support/clock.js';
import { corpusPath } from '../support/corpus.js';

const run = promisify(execFile);

/**
 * The subset: whole mailboxes in sorted order until there are at least 2,000 files (allen-p …
 * blair-l hold 2,045), then the first FILES paths in sorted order. tar only has to find eight
 * mailboxes near the start of the tarball.
 *
 * FILES is 2,000, as issue 4 asks; `COFFER_PARITY_FILES=400` runs a quicker subset by hand. It is
 * affordable because test/services/moto_server.py fixes two costs of moto 5.2.1 that grow with the
 * table (a whole-table deep copy per transaction item, a whole-table sort per Query): before, 2,000
 * did not finish in 10 minutes; after, the AWS intake takes ~160 s on a loaded 2-core machine.
 */
const MAILBOXES = ['allen-p', 'arnold-j', 'arora-h', 'bass-e', 'baughman-d', 'beck-s', 'benson-r', 'blair-l'] as const;
const FILES = Number(process.env.COFFER_PARITY_FILES ?? 2000);
const BATCH = 100;
const NOW = new Date('2026-01-15T12:00:00.000Z');

interface SourceFile {
  file: string;
  mailbox: string;
  bytes: Buffer;
  id: string;
  deliveryId: string;
}

// ---------------------------------------------------------------------------------------------
// Picking query values from the data (deterministic: frequency, then alphabetical).
// ---------------------------------------------------------------------------------------------

const words = (text: string): string[] =>
  text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');

function byFrequency<T>(items: readonly T[], valuesOf: (item: T) => Iterable<string>): [string, number][] {
  const counts = new Map<string, number>();
  for (const item of items) for (const v of new Set(valuesOf(item))) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function pick<T>(candidates: Iterable<T>, ok: (c: T) => boolean, what: string): T {
  for (const c of candidates) if (ok(c)) return c;
  throw new Error(`the Enron subset has no ${what}`);
}

const domainOf = (address: string): string => address.slice(address.lastIndexOf('@') + 1);
const addresses = (list: readonly { address: string }[]): string[] => list.map((a) => a.address.toLowerCase()).filter(Boolean);
const dayOf = (iso: string): string => iso.slice(0, 10);

/** Everything the query picker knows about one message: its record and the words of its raw body. */
interface Known {
  record: MessageRecord;
  subject: string[];
  body: string[];
}

/** The queries, each built from values found in the subset. */
function buildQueries(known: readonly Known[]): string[] {
  const n = known.length;
  const some = (count: number) => count > 0 && count < n;
  const count = (p: (k: Known) => boolean) => known.filter(p).length;
  const from = (k: Known) => addresses(k.record.from);
  const to = (k: Known) => addresses(k.record.to);
  const cc = (k: Known) => addresses(k.record.cc);

  const senders = byFrequency(known, from).map(([a]) => a);
  const [s1 = '', s2 = ''] = senders;
  const senderDomain = pick(
    byFrequency(known, (k) => from(k).map(domainOf)).map(([d]) => d),
    (d) => some(count((k) => from(k).some((a) => domainOf(a) === d || domainOf(a).endsWith(`.${d}`)))),
    'sender domain',
  );
  const externalSenderDomain = pick(
    byFrequency(known, (k) => from(k).map(domainOf)).map(([d]) => d),
    (d) => d !== senderDomain && !d.endsWith('enron.com') && d.includes('.'),
    'second sender domain',
  );
  const localWord = pick(
    byFrequency(known, (k) => from(k).flatMap((a) => words(a.slice(0, a.lastIndexOf('@'))))).map(([w]) => w),
    (w) => w.length >= 4,
    'local-part word',
  );
  const recipient = pick(byFrequency(known, to).map(([a]) => a), (a) => some(count((k) => to(k).includes(a))), 'recipient');
  const recipientDomain = pick(
    byFrequency(known, (k) => to(k).map(domainOf)).map(([d]) => d),
    (d) => some(count((k) => to(k).some((a) => domainOf(a) === d || domainOf(a).endsWith(`.${d}`)))),
    'recipient domain',
  );
  const ccAddress = pick(byFrequency(known, cc).map(([a]) => a), () => true, 'cc address');
  const participant = pick(
    byFrequency(known, (k) => [...from(k), ...to(k), ...cc(k)]).map(([a]) => a),
    (a) => a !== s1 && a !== recipient,
    'participant',
  );
  const custodian = pick(byFrequency(known, (k) => k.record.custodians).map(([a]) => a), () => true, 'custodian');

  const subjectWord = pick(
    byFrequency(known, (k) => k.subject).map(([w]) => w),
    (w) => w.length >= 4 && count((k) => k.body.includes(w)) > count((k) => k.subject.includes(w)),
    'subject word also in bodies',
  );
  const bodyWords = byFrequency(known, (k) => k.body).filter(([w, c]) => w.length >= 4 && c >= n * 0.1 && c <= n * 0.5);
  const [a = '', b = ''] = pick(
    bodyWords.flatMap(([x], i) => bodyWords.slice(i + 1).map(([y]): [string, string] => [x, y])),
    ([x, y]) => {
      const both = count((k) => k.body.includes(x) && k.body.includes(y));
      return both > 0 && both < count((k) => k.body.includes(x)) && both < count((k) => k.body.includes(y));
    },
    'pair of overlapping body words',
  );
  const bigram = pick(
    byFrequency(known, (k) => k.body.slice(1).map((w, i) => `${k.body[i] ?? ''} ${w}`)).map(([g]) => g.split(' ')),
    ([x = '', y = '']) => x.length >= 4 && y.length >= 4 && x !== y,
    'two-word phrase',
  ).join(' ');
  const vocabulary = byFrequency(known, (k) => [...k.subject, ...k.body]).map(([w]) => w);
  const prefix = pick(
    vocabulary.filter((w) => w.length > 5 && /^[a-z]+$/.test(w)).map((w) => w.slice(0, 4)),
    (p) => vocabulary.filter((w) => w.startsWith(p)).length >= 3 && known.some((k) => k.subject.some((w) => w.startsWith(p))),
    'prefix of several words',
  );
  const subjectOfTopTwo = pick(
    byFrequency(
      known.filter((k) => from(k).includes(s1) || from(k).includes(s2)),
      (k) => k.subject,
    ).map(([w]) => w),
    (w) => w.length >= 3 && w !== 're' && w !== 'fw',
    'subject word of the top two senders',
  );

  const sents = known.map((k) => k.record.sent).sort();
  const at = (q: number): string => dayOf(sents[Math.floor(sents.length * q)] ?? '');
  const month = pick(byFrequency(known, (k) => [k.record.sent.slice(0, 7)]).map(([m]) => m), () => true, 'month');
  const sizes = known.map((k) => k.record.size).sort((p, q) => p - q);
  const medianSize = sizes[Math.floor(sizes.length / 2)] ?? 0;
  const messageId = pick(
    known.map((k) => k.record.messageId).filter((m): m is string => m !== null).sort(),
    () => true,
    'Message-ID',
  );

  return [
    // Addresses: exact, case-insensitive, domain (and its subdomains), local-part word.
    `from:${s1}`,
    `from:${s1.toUpperCase()}`,
    `from:@${senderDomain}`,
    `from:${externalSenderDomain}`,
    `-from:@${senderDomain}`,
    `from:${localWord}`,
    `from:${localWord.slice(0, 3)}*`,
    `to:${recipient}`,
    `to:@${recipientDomain}`,
    `cc:${ccAddress}`,
    `cc:@${domainOf(ccAddress)}`,
    `participants:${participant}`,
    `participants:@${externalSenderDomain}`,
    `custodian:${custodian}`,
    // Text: words, fields, phrases, prefixes.
    `subject:${subjectWord}`,
    subjectWord,
    `body:${a}`,
    `"${bigram}"`,
    `body:"${bigram}"`,
    `${prefix}*`,
    `subject:${prefix}*`,
    // Boolean operators and precedence.
    `${a} AND ${b}`,
    `${a} ${b}`,
    `${a} OR ${b}`,
    `${a} -${b}`,
    `NOT ${a}`,
    `(from:${s1} OR from:${s2}) subject:${subjectOfTopTwo}`,
    `from:${s1} OR from:${s2} subject:${subjectOfTopTwo}`,
    `NOT from:${s1} subject:${subjectOfTopTwo}`,
    `-(from:${s1} OR subject:${subjectOfTopTwo})`,
    // Ranges.
    `sent:${month}`,
    `sent>=${at(0.5)}`,
    `sent<${at(0.5)}`,
    `sent:${at(0.25)}..${at(0.75)}`,
    `sent:${at(0.5)}`,
    `size>=${medianSize}`,
    `size<2KB`,
    `size:2KB..4KB`,
    `size>10KB ${a}`,
    // Exact Message-ID.
    `messageid:${messageId}`,
    `messageid:<${messageId}>`,
  ];
}

// ---------------------------------------------------------------------------------------------

describe(`AWS and embedded compositions agree on ${FILES} Enron messages`, () => {
  let tmp: string;
  let files: SourceFile[] = [];
  let embedded: TestArchive;
  let aws: AwsArchive;
  let awsConfig: AwsConfig;
  const results: { embedded: (IntakeResult | Error)[]; aws: (IntakeResult | Error)[] } = { embedded: [], aws: [] };
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    let started = Date.now();
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'coffer-parity-'));
    await run('tar', ['-xzf', corpusPath('enron-inbox.tar.gz'), '-C', tmp, '--wildcards', ...MAILBOXES.map((b) => `maildir/${b}/*`)]);
    const all = (await fsp.readdir(path.join(tmp, 'maildir'), { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => path.relative(tmp, path.join(e.parentPath, e.name)))
      .sort();
    expect(Number.isSafeInteger(FILES) && FILES > 0 && FILES <= 2000).toBe(true);
    expect(all.length).toBeGreaterThanOrEqual(FILES);
    files = await Promise.all(
      all.slice(0, FILES).map(async (file, i) => {
        const bytes = await fsp.readFile(path.join(tmp, file));
        return {
          file,
          mailbox: file.split(path.sep)[1] ?? '',
          bytes,
          id: sha256(bytes),
          deliveryId: `f-${String(i).padStart(4, '0')}`,
        };
      }),
    );
    timings.extract = Date.now() - started;

    // The mailbox is the import's custodian, given as an envelope recipient (as `coffer import
    // --custodian` would), so custodian:/participants: and merged people have something to compare.
    const requests: IntakeRequest[] = files.map((f) => ({
      source: bytesSource(f.bytes),
      from: 'import',
      envelope: { mailFrom: null, rcptTo: [`${f.mailbox}@mailboxes.example`] },
      origin: f.file,
      deliveryId: f.deliveryId,
    }));

    embedded = await tempArchive({}, undefined, new ManualClock(NOW));
    // One node: no replicas. Writes wait for the refresh, so a short interval keeps batches quick.
    ({ archive: aws, config: awsConfig } = await openTestAws('coffer-parity', { clock: new ManualClock(NOW), index: { shards: 1, replicas: 0, refreshInterval: '100ms' } }));

    started = Date.now();
    for (let i = 0; i < requests.length; i += BATCH) results.embedded.push(...(await embedded.ingest.executeMany(requests.slice(i, i + BATCH))));
    timings.embeddedIngest = Date.now() - started;
    started = Date.now();
    for (let i = 0; i < requests.length; i += BATCH) results.aws.push(...(await aws.ingest.executeMany(requests.slice(i, i + BATCH))));
    timings.awsIngest = Date.now() - started;
  }, 1_200_000);

  afterAll(async () => {
    console.log(`aws-parity timings (ms, ${FILES} files):`, JSON.stringify(timings));
    await embedded?.destroy();
    if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
    if (aws) {
      // The bucket's objects are locked (GOVERNANCE) and stay in moto's memory, like the other AWS
      // suites'; the index and the table can go.
      await aws.clients.search.indices.delete({ index: versionedName(awsConfig.COFFER_OPENSEARCH_INDEX) }).catch(() => undefined);
      await aws.clients.dynamo.send(new DeleteTableCommand({ TableName: awsConfig.COFFER_TABLE })).catch(() => undefined);
      aws.clients.s3.destroy();
      aws.clients.dynamo.destroy();
      await aws.clients.search.close();
    }
  });

  it('imported every file through both, with the same intake results', () => {
    const shape = (r: IntakeResult | Error) => (r instanceof Error ? { error: r.message } : r);
    expect(results.embedded).toHaveLength(FILES);
    expect(results.embedded.map(shape)).toEqual(results.aws.map(shape));
    expect(results.embedded.filter((r) => r instanceof Error).map(shape)).toEqual([]);
    expect(results.embedded.map((r) => (r instanceof Error ? null : [r.id, r.deliveryId]))).toEqual(
      files.map((f) => [f.id, f.deliveryId]),
    );
  });

  async function allIds(catalog: Catalog): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await catalog.listMessageIds({ limit: 300, ...(cursor !== undefined ? { cursor } : {}) });
      ids.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return ids;
  }

  it('has the same catalog: message ids, counts, every record and every delivery, field by field', async () => {
    const distinct = [...new Set(files.map((f) => f.id))].sort();
    expect(await allIds(embedded.catalog)).toEqual(distinct);
    expect(await allIds(aws.catalog)).toEqual(distinct);
    expect(await embedded.catalog.countMessages()).toBe(distinct.length);
    expect(await aws.catalog.countMessages()).toBe(distinct.length);
    expect(await embedded.catalog.countDeliveries()).toBe(FILES);
    expect(await aws.catalog.countDeliveries()).toBe(FILES);
    expect(await embedded.index.count()).toBe(distinct.length);
    expect(await aws.index.count()).toBe(distinct.length);

    const mine = await embedded.catalog.getMessages(distinct);
    const theirs = await aws.catalog.getMessages(distinct);
    expect(mine.map((r) => r.id)).toEqual(distinct);
    for (const [i, record] of mine.entries()) expect(theirs[i]).toEqual(record);
    const multi = mine.filter((r) => r.custodians.length > 1);
    console.log(`aws-parity: ${distinct.length} distinct messages, ${multi.length} in several mailboxes`);

    const byMessage = new Map<string, SourceFile[]>();
    for (const f of files) byMessage.set(f.id, [...(byMessage.get(f.id) ?? []), f]);
    for (let i = 0; i < distinct.length; i += 20) {
      const chunk = distinct.slice(i, i + 20);
      const lists = await Promise.all(chunk.map(async (id) => [await embedded.catalog.listDeliveries(id), await aws.catalog.listDeliveries(id)] as const));
      for (const [k, [a, b]] of lists.entries()) {
        const id = chunk[k] ?? '';
        expect(b).toEqual(a);
        expect(a.map((d) => [d.id, d.origin, d.receivedAt])).toEqual(
          (byMessage.get(id) ?? []).map((f) => [f.deliveryId, f.file, NOW.toISOString()]),
        );
      }
    }
  }, 900_000);

  /** All pages of the use case, as an API client would read them. */
  async function searchAll(archive: { search: TestArchive['search'] }, query: string, sort: SearchSort) {
    const hits: SearchHit[] = [];
    const totals = new Set<number>();
    const cursors: string[] = [];
    let cursor: string | undefined;
    let firstPage: SearchHit[] | undefined;
    do {
      const page = await archive.search.execute({ query, limit: 500, sort, ...(cursor !== undefined ? { cursor } : {}) });
      totals.add(page.total);
      firstPage ??= page.hits;
      hits.push(...page.hits);
      cursor = page.nextCursor;
      if (cursor !== undefined) cursors.push(cursor);
    } while (cursor !== undefined);
    return { hits, firstPage, totals: [...totals], cursors };
  }

  /** All pages straight from an engine, for a parsed AST. */
  async function engineAll(index: SearchIndex, query: string, sort: SearchSort, limit: number) {
    const ast = parseQuery(query);
    const ids: string[] = [];
    const totals = new Set<number>();
    const cursors: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await index.search({ query: ast, limit, sort, ...(cursor !== undefined ? { cursor } : {}) });
      totals.add(page.total);
      ids.push(...page.ids);
      cursor = page.nextCursor;
      if (cursor !== undefined) cursors.push(cursor);
    } while (cursor !== undefined);
    return { ids, totals: [...totals], cursors };
  }

  it('answers every query the same: SqliteFtsIndex vs OpenSearchIndex, and search.execute end to end', async () => {
    const distinct = [...new Set(files.map((f) => f.id))].sort();
    const records = await embedded.catalog.getMessages(distinct);
    const bytesById = new Map(files.map((f) => [f.id, f.bytes.toString('latin1')]));
    const known: Known[] = records.map((record) => {
      const text = bytesById.get(record.id) ?? '';
      const end = text.indexOf('\n\n');
      return { record, subject: words(record.subject ?? ''), body: words(end < 0 ? '' : text.slice(end + 2)) };
    });
    const queries = buildQueries(known);
    expect(queries.length).toBeGreaterThanOrEqual(15);
    const fileOf = new Map(files.map((f) => [f.id, f.file]));
    const name = (id: string) => fileOf.get(id) ?? id;

    const problems: unknown[] = [];
    const summary: string[] = [];
    for (const query of queries) {
      const [mine, theirs] = [await searchAll(embedded, query, 'sent:desc'), await searchAll(aws, query, 'sent:desc')];
      const [wantIds, gotIds] = [mine.hits.map((h) => h.id), theirs.hits.map((h) => h.id)];
      summary.push(`${wantIds.length}\t${query}`);
      if (!(wantIds.length > 0 && wantIds.length < distinct.length)) problems.push({ query, meaningless: wantIds.length });
      const [sortedWant, sortedGot] = [[...wantIds].sort(), [...gotIds].sort()];
      if (sortedWant.join() !== sortedGot.join()) {
        problems.push({
          query,
          via: 'search.execute',
          missingOnAws: sortedWant.filter((id) => !sortedGot.includes(id)).map(name),
          extraOnAws: sortedGot.filter((id) => !sortedWant.includes(id)).map(name),
        });
        continue;
      }
      if (mine.totals.join() !== `${wantIds.length}` || theirs.totals.join() !== `${wantIds.length}`) {
        problems.push({ query, via: 'search.execute', totals: { embedded: mine.totals, aws: theirs.totals, hits: wantIds.length } });
      }
      try {
        expect(theirs.firstPage).toEqual(mine.firstPage);
        expect(theirs.hits).toEqual(mine.hits);
        expect(theirs.cursors).toEqual(mine.cursors);
      } catch (error) {
        problems.push({ query, via: 'search.execute hits/order/cursors', error: String(error).slice(0, 2000) });
      }

      // The engines themselves, the other order, and smaller pages so cursors are exercised.
      for (const [sort, limit] of [['sent:asc', 500], ['sent:desc', 173]] as const) {
        const [a, b] = [await engineAll(embedded.index, query, sort, limit), await engineAll(aws.index, query, sort, limit)];
        if (JSON.stringify(a) !== JSON.stringify(b)) {
          problems.push({
            query,
            via: `SearchIndex ${sort} limit ${limit}`,
            totals: { sqlite: a.totals, opensearch: b.totals },
            sameSet: [...a.ids].sort().join() === [...b.ids].sort().join(),
            firstDifference: a.ids.findIndex((id, i) => b.ids[i] !== id),
          });
        }
      }
    }
    console.log(`aws-parity queries (embedded hit count, query):\n${summary.join('\n')}`);
    expect(problems).toEqual([]);
  }, 900_000);

  it('has:attachment is empty on both (CMU removed Enron attachments), and its negation is everything', async () => {
    const distinct = new Set(files.map((f) => f.id)).size;
    for (const archive of [embedded, aws] as const) {
      expect((await archive.search.execute({ query: 'has:attachment' })).total).toBe(0);
      expect((await archive.search.execute({ query: '-has:attachment' })).total).toBe(distinct);
    }
    for (const index of [embedded.index, aws.index] as const) {
      expect((await engineAll(index, 'has:attachment', 'sent:desc', 500)).ids).toEqual([]);
    }
  });
});
