/**
 * The in-memory evaluator (shared/query/evaluate.ts) against both search engines on real mail.
 *
 * IndexDocuments are built by the intake's own path (parseMessage → buildRecord → mergeDelivery →
 * buildIndexDocument) for two whole Enron mailboxes plus the MIME fixtures of a few parser
 * projects (attachments, inline parts, encoded names, Sender/Cc/Bcc headers, non-ASCII text),
 * and a few hand-made documents for what neither has. The same documents go into a fresh
 * SqliteFtsIndex and a fresh OpenSearch index; every query's set of ids must be the same from the
 * evaluator, from SQLite and from OpenSearch. Query values are picked from the data, and each
 * query also says whether it should select some, none or all documents, so a picker that drifts
 * into selecting nothing is caught instead of agreeing vacuously.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@opensearch-project/opensearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteFtsIndex } from '../../adapters/embedded/sqlite-fts-index.js';
import { OpenSearchIndex, versionedName } from '../../adapters/aws/opensearch-index.js';
import type { Delivery, MessageRecord } from '../../shared/domain/records.js';
import { buildIndexDocument, buildRecord } from '../../shared/intake/build-record.js';
import { mergeDelivery } from '../../shared/intake/merge-delivery.js';
import { DEFAULT_PARSE_LIMITS } from '../../shared/intake/parse-limits.js';
import { parseMessage } from '../../shared/intake/parse-message.js';
import type { IndexDocument, SearchIndex } from '../../shared/ports/search-index.js';
import type { QueryNode } from '../../shared/query/ast.js';
import { compileMatcher, prepareDocument } from '../../shared/query/evaluate.js';
import { parseQuery } from '../../shared/query/parser.js';
import { foldText, normalizeWords } from '../../shared/query/text.js';
import { requireOpenSearch } from '../services/require-service.js';
import { sha256 } from '../support/bytes.js';
import { corpusPath } from '../support/corpus.js';
import { aDoc, person } from '../support/index-docs.js';

const run = promisify(execFile);

/** Two whole mailboxes (463 files): conversations stay together, so picked values recur. */
const MAILBOXES = ['bass-e', 'carson-m'] as const;
/** MIME fixtures with attachments, inline parts, RFC 2047/2231 names, several charsets. */
const FIXTURE_PROJECTS = ['deltachat-core', 'enmime', 'mailparser', 'postal-mime', 'php-mime-mail-parser', 'mimekit'] as const;
const INTERNAL_DOMAINS = ['enron.com'];
const NOW = Date.parse('2026-01-15T12:00:00.000Z');
const HOUR = 3_600_000;
/** Bcc recipient that only a journal report names (every fifth message arrives in one). */
const JOURNAL_BCC = 'hidden.counsel@lawfirm.example';

interface Source {
  file: string;
  custodian: string;
  bytes: Buffer;
}

type Expectation = 'some' | 'none' | 'all' | 'any';
interface Case {
  query: string;
  expect: Expectation;
}

// ---------------------------------------------------------------------------------------------
// Documents, through the intake's own functions
// ---------------------------------------------------------------------------------------------

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

function deliveryFor(source: Source, i: number, id: string): Delivery {
  const delivery: Delivery = {
    id: `d-${i}`,
    messageSha256: id,
    // Spread over ~3 weeks, so that received: selects real subsets.
    receivedAt: new Date(NOW - i * HOUR).toISOString(),
    source: 'import',
    envelope: { mailFrom: null, rcptTo: [source.custodian] },
    origin: source.file,
    evidenceKey: `deliveries/${id}/d-${i}`,
  };
  if (i % 5 === 0) {
    delivery.journal = {
      status: 'ok',
      reason: null,
      sender: null,
      onBehalfOf: null,
      subject: null,
      messageId: null,
      recipients: [
        { address: source.custodian, kind: 'to' },
        { address: JOURNAL_BCC, kind: 'bcc' },
      ],
      unknownLines: [],
      reportKey: `journal/${i}`,
      reportSha256: id,
    };
  }
  return delivery;
}

/** Each distinct message once; a copy in a second mailbox merges its delivery, as intake does. */
async function buildDocuments(sources: readonly Source[]): Promise<IndexDocument[]> {
  const byId = new Map<string, { record: MessageRecord; text: string }>();
  for (const [i, source] of sources.entries()) {
    const id = sha256(source.bytes);
    const delivery = deliveryFor(source, i, id);
    let entry = byId.get(id);
    if (entry === undefined) {
      const parsed = await parseMessage(once(source.bytes), DEFAULT_PARSE_LIMITS);
      const record = buildRecord(parsed, {
        id,
        size: source.bytes.length,
        retainUntil: new Date(NOW),
        firstReceivedAt: new Date(delivery.receivedAt),
        internalDomains: INTERNAL_DOMAINS,
      });
      entry = { record, text: parsed.text };
      byId.set(id, entry);
    }
    entry.record = mergeDelivery(entry.record, delivery).record;
  }
  return [...byId.values()].map(({ record, text }) => buildIndexDocument(record, text));
}

/** What neither corpus has: combining marks, ligatures, multi-dot names, bridging traps. */
function handMade(): IndexDocument[] {
  const t = Date.parse('2001-06-15T12:00:00.000Z');
  return [
    aDoc('hand-accents', {
      sent: t,
      received: t,
      subject: 'Re\u0301sume\u0301 for the CAFÉ Łódź meeting',
      body: 'Straße ﬁle ＡＢＣ１２３ naïve coöperation',
      attachmentNames: ['Résumé Final.PDF', 'logs.tar.gz', 'inline-logo.png'],
      hasAttachment: true,
      from: [person('zoe.adler@Sub.Lawfirm.Example', 'Zoë Adler')],
      to: [person('jsmith@corp.example', 'Smith')],
      messageId: 'Hand.Made-1@corp.example',
      // A custodian named by no header and no envelope: custodian: finds it, participants: must not.
      custodians: ['records.keeper@corp.example'],
    }),
    aDoc('hand-lookalike', {
      sent: t + HOUR,
      received: t + HOUR,
      subject: 'cafeteria resumes',
      body: 'final logs tar gz, smith jsmith',
      attachmentNames: ['notes.tar', 'gz'],
      hasAttachment: false,
      from: [person('zoe@notlawfirm.example', 'Zoe Lookalike')],
      to: [person('x@lawfirm.example.org', ''), person('  ', 'Blank Address')],
      messageId: 'hand.made-1@corp.example',
    }),
  ];
}

// ---------------------------------------------------------------------------------------------
// Queries, picked from the documents
// ---------------------------------------------------------------------------------------------

/** Values by how many items have them (most first, then alphabetical); `documentCount` remembers the counts. */
function byFrequency<T>(items: readonly T[], valuesOf: (item: T) => Iterable<string>, documentCount?: Map<string, number>): string[] {
  const counts = documentCount ?? new Map<string, number>();
  for (const item of items) for (const v of new Set(valuesOf(item))) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([v]) => v);
}

/** The first `count` candidates that are `ok`, in order; the corpus must have them. */
function pick(candidates: readonly string[], ok: (c: string) => boolean, what: string, count = 1): string[] {
  const found: string[] = [];
  for (const c of candidates) {
    if (found.length === count) break;
    if (ok(c)) found.push(c);
  }
  if (found.length < count) throw new Error(`the corpus subset has fewer than ${count} ${what}`);
  return found;
}

const domainOf = (address: string): string => address.slice(address.lastIndexOf('@') + 1);
const localOf = (address: string): string => address.slice(0, address.lastIndexOf('@'));
/** Addresses a query can spell without quoting trouble. */
const addressesOf = (list: readonly { address: string }[]): string[] =>
  list.map((a) => a.address).filter((a) => /^[a-z0-9._+-]+@[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(a));
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

function buildCases(docs: readonly IndexDocument[]): Case[] {
  const n = docs.length;
  const some = (c: number) => c > 0 && c < n;
  const words = new Map(docs.map((d) => [d.id, { subject: normalizeWords(d.subject), body: normalizeWords(d.body) }]));
  const subjectOf = (d: IndexDocument) => words.get(d.id)?.subject ?? [];
  const bodyOf = (d: IndexDocument) => words.get(d.id)?.body ?? [];
  const plain = (w: string) => w.length >= 4 && /^[a-z]+$/.test(w);

  const inBodies = new Map<string, number>();
  const inSubjects = new Map<string, number>();
  const bodyWords = byFrequency(docs, bodyOf, inBodies).filter((w) => plain(w) && some(inBodies.get(w) ?? 0));
  const [b1 = '', b2 = '', b3 = '', b4 = ''] = pick(bodyWords.slice(30), () => true, 'mid-frequency body words', 4);
  const [s1 = '', s2 = ''] = pick(
    byFrequency(docs, subjectOf, inSubjects),
    (w) => plain(w) && w !== 'fw' && (inBodies.get(w) ?? 0) > (inSubjects.get(w) ?? 0),
    'subject words also in bodies',
    2,
  );
  const bigrams = byFrequency(docs, (d) => bodyOf(d).slice(1).map((w, i) => `${bodyOf(d)[i] ?? ''} ${w}`));
  const [g1 = '', g2 = ''] = pick(bigrams, (g) => g.split(' ').every(plain), 'two-word phrases', 2);
  const [g3 = ''] = pick(
    byFrequency(docs, (d) => bodyOf(d).slice(2).map((w, i) => `${bodyOf(d)[i] ?? ''} ${bodyOf(d)[i + 1] ?? ''} ${w}`)),
    (g) => g.split(' ').every((w) => w.length >= 3),
    'three-word phrase',
  );
  const subjectBigram = pick(
    byFrequency(docs, (d) => subjectOf(d).slice(1).map((w, i) => `${subjectOf(d)[i] ?? ''} ${w}`)),
    (g) => g.split(' ').every(plain),
    'subject phrase',
  )[0] as string;
  const vocabulary = byFrequency(docs, (d) => [...subjectOf(d), ...bodyOf(d)]);
  const prefixes = pick(
    [...new Set(vocabulary.filter((w) => w.length > 6 && /^[a-z]+$/.test(w)).map((w) => w.slice(0, 4)))],
    (p) => vocabulary.filter((w) => w.startsWith(p)).length >= 3,
    'prefixes of several words',
    3,
  );
  // A word whose written form differs from its folded form (accents, ß, ligatures…), from real mail.
  const accented = pick(
    byFrequency(docs, (d) => `${d.subject} ${d.body} ${d.attachmentNames.join(' ')}`.match(/[\p{L}\p{M}]+/gu) ?? []),
    (w) => w.length >= 4 && /[^\p{ASCII}]/u.test(w) && foldText(w) !== w.toLowerCase() && normalizeWords(w).length === 1,
    'accented words',
    3,
  );
  const nonLatin = pick(
    byFrequency(docs, (d) => normalizeWords(`${d.subject} ${d.body}`)),
    (w) => w.length >= 3 && w.length <= 40 && /^[\p{Script=Cyrillic}\p{Script=Greek}\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]+$/u.test(w),
    'non-Latin word',
  )[0] as string;

  const attachmentWords = byFrequency(docs, (d) => d.attachmentNames.flatMap(normalizeWords)).filter((w) => w.length >= 3);
  const [aw1 = '', aw2 = ''] = pick(attachmentWords, (w) => /^[a-z]+$/.test(w), 'attachment name words', 2);
  const extensions = byFrequency(docs, (d) =>
    d.attachmentNames.map((name) => foldText(name.trim())).filter((name) => /\.[a-z0-9]+$/.test(name)).map((name) => name.slice(name.lastIndexOf('.') + 1)),
  );
  const [e1 = '', e2 = '', e3 = ''] = pick(extensions, () => true, 'attachment extensions', 3);
  const namePhrase = pick(
    byFrequency(docs, (d) => d.attachmentNames.map(normalizeWords).filter((w) => w.length >= 2).map((w) => w.slice(0, 2).join(' '))),
    (g) => g.split(' ').every((w) => /^[a-z]{2,}$/.test(w)),
    'attachment name phrase',
  )[0] as string;

  const from = (d: IndexDocument) => addressesOf(d.from);
  const to = (d: IndexDocument) => addressesOf(d.to);
  const cc = (d: IndexDocument) => addressesOf(d.cc);
  const [f1 = '', f2 = '', f3 = ''] = pick(byFrequency(docs, from), () => true, 'senders', 3);
  const senderDomains = byFrequency(docs, (d) => from(d).map(domainOf));
  const [fd1 = '', fd2 = ''] = pick(senderDomains, (dm) => dm.includes('.'), 'sender domains', 2);
  const allDomains = byFrequency(docs, (d) => [...from(d), ...to(d), ...cc(d)].map(domainOf));
  const parentDomain = pick(
    allDomains,
    (dm) => dm.includes('.') && allDomains.some((other) => other.endsWith(`.${dm}`)),
    'domain with a subdomain',
  )[0] as string;
  const tld = pick(allDomains.map((dm) => dm.slice(dm.lastIndexOf('.') + 1)), (t) => /^[a-z]{2,}$/.test(t), 'top-level domain')[0] as string;
  const nameWords = byFrequency(docs, (d) => d.from.flatMap((a) => normalizeWords(a.name)));
  const [nw1 = '', nw2 = ''] = pick(nameWords, (w) => w.length >= 4 && /^[a-z]+$/.test(w), 'display-name words', 2);
  const fullName = pick(
    byFrequency(docs, (d) => d.from.map((a) => normalizeWords(a.name).join(' '))),
    (nm) => nm.split(' ').length === 2,
    'two-word display name',
  )[0] as string;
  const localWord = pick(
    byFrequency(docs, (d) => from(d).flatMap((a) => normalizeWords(localOf(a)))),
    (w) => w.length >= 4 && /^[a-z]+$/.test(w),
    'local-part word',
  )[0] as string;
  const [r1 = '', r2 = ''] = pick(byFrequency(docs, to), () => true, 'recipients', 2);
  const toDomain = pick(byFrequency(docs, (d) => to(d).map(domainOf)), (dm) => dm.includes('.'), 'recipient domain')[0] as string;
  const ccAddress = pick(byFrequency(docs, cc), () => true, 'cc address')[0] as string;
  const ccName = pick(
    byFrequency(docs, (d) => d.cc.flatMap((a) => normalizeWords(a.name))),
    (w) => w.length >= 4,
    'cc name word',
  )[0] as string;
  const bccHeader = pick(
    byFrequency(docs, (d) => addressesOf(d.bcc).filter((a) => a !== JOURNAL_BCC)),
    () => true,
    'Bcc header address',
  )[0] as string;
  const senderHeader = pick(
    byFrequency(docs, (d) => addressesOf(d.sender).filter((a) => !from(d).includes(a))),
    () => true,
    'Sender header address not in From',
  )[0] as string;
  const [c1 = '', c2 = ''] = MAILBOXES.map((m) => `${m}@mailboxes.example`);
  const internalCustodian = pick(
    byFrequency(docs, (d) => d.custodians.filter((c) => c.endsWith('@enron.com'))),
    () => true,
    'internal sender custodian',
  )[0] as string;

  const messageIds = docs.map((d) => d.messageId).filter((m): m is string => m !== null && /^[A-Za-z0-9.@_$%+=-]+$/.test(m) && /[A-Z]/.test(m));
  const mid = pick(messageIds.sort(), () => true, 'Message-ID with capitals')[0] as string;

  const sents = docs.map((d) => d.sent).sort((a, b) => a - b);
  const at = (q: number) => day(sents[Math.floor(sents.length * q)] ?? 0);
  const busiestDay = pick(byFrequency(docs, (d) => [day(d.sent)]), () => true, 'day')[0] as string;
  const month = pick(byFrequency(docs, (d) => [day(d.sent).slice(0, 7)]), () => true, 'month')[0] as string;
  const year = month.slice(0, 4);
  const receivedDay = day(NOW - 100 * HOUR);
  const sizes = docs.map((d) => d.size).sort((a, b) => a - b);
  const median = sizes[Math.floor(sizes.length / 2)] ?? 0;
  const exactSize = sizes[Math.floor(sizes.length / 3)] ?? 0;

  const cases: Case[] = [];
  const add = (expectation: Expectation, ...queries: string[]) => {
    for (const query of queries) cases.push({ query, expect: expectation });
  };

  // Free text: words, fields, case, folding.
  add('some', b1, b2, b3, b4, b1.toUpperCase(), `body:${b1}`, `subject:${s1}`, `subject:${s2}`, s1, `body:${s1}`);
  add('some', ...accented, ...accented.map((w) => foldText(w)), ...accented.map((w) => w.toUpperCase()), nonLatin);
  add('any', ...accented.map((w) => `body:${w}`), ...accented.map((w) => `subject:${foldText(w)}`));
  add('some', 'resume', 'Résumé', 'cafe', 'lodz', 'strasse', 'file', 'abc123', 'naive', 'cooperation', 'subject:café');
  // Phrases: in order, adjacent, one field; reversed and cross-field ones mostly select nothing.
  add('some', `"${g1}"`, `"${g2}"`, `"${g3}"`, `body:"${g1}"`, `subject:"${subjectBigram}"`, `"${subjectBigram}"`);
  add('any', `"${g1.split(' ').reverse().join(' ')}"`, `subject:"${g1}"`, `body:"${subjectBigram}"`, `"${b1} ${b2}"`);
  add('none', '"meeting straße"', 'attachment:"pdf logs"', 'attachment:"final logs"', '"resume final pdf logs"', 'attachment:"tar gz notes"');
  add('some', '"resume final"', 'attachment:"résumé final"', 'attachment:Résumé-Final.pdf', '"final logs"', 'attachment:"tar gz"');
  // Prefixes.
  add('some', ...prefixes.map((p) => `${p}*`), `subject:${prefixes[0]}*`, `body:${prefixes[1]}*`, `${accented[0]?.slice(0, 4)}*`);
  add('any', `attachment:${prefixes[2]}*`, `${[...nonLatin].slice(0, 2).join('')}*`);
  // Attachments.
  add('some', `attachment:${aw1}`, `attachment:${aw2}`, `attachment:"${namePhrase}"`, `attachment:${aw1.slice(0, 3)}*`, aw1);
  add('some', `attachment:*.${e1}`, `attachment:*.${e2.toUpperCase()}`, `attachment:*.${e3}`, 'attachment:*.gz', 'attachment:*.tar.gz');
  add('some', 'has:attachment', '-has:attachment', `has:attachment ${b1}`, `attachment:${e1}`);
  add('any', `attachment:*.${e1} -has:attachment`, `attachment:*.${e2} has:attachment`);
  add('none', 'attachment:*.zzqx', 'attachment:*.tar.zip');
  // Addresses: exact (any case), domain and subdomains, names, prefixes, per header.
  add('some', `from:${f1}`, `from:${f2.toUpperCase()}`, `from:"${f3}"`, `from:@${fd1}`, `from:${fd2}`, `-from:@${fd1}`);
  add('some', `from:@${parentDomain}`, `participants:@${parentDomain}`, `participants:@${tld}`, `from:${tld}.`);
  add('some', 'from:@lawfirm.example', 'from:lawfirm.example', 'participants:@lawfirm.example', 'to:@lawfirm.example.org');
  add('none', 'to:@lawfirm.example', 'from:@awfirm.example');
  add('some', `from:${nw1}`, `from:${nw2}`, `from:"${fullName}"`, `from:${localWord}`, `from:${localWord.slice(0, 3)}*`, `from:${nw1.slice(0, 2)}*`);
  add('some', 'from:zoe', 'from:Zoë', 'from:"zoe adler"', 'to:smith', 'to:jsmith', 'to:blank');
  add('none', 'from:"adler zoe"', 'to:"smith jsmith"', 'participants:"jsmith smith"', 'from:"zoe lookalike zoe"');
  add('any', `from:"${fullName.split(' ').reverse().join(' ')}"`, `from:${senderHeader}`);
  add('some', `to:${r1}`, `to:${r2}`, `to:@${toDomain}`, `cc:${ccAddress}`, `cc:@${domainOf(ccAddress)}`, `cc:${ccName}`);
  add('some', `bcc:${bccHeader}`, `bcc:${JOURNAL_BCC}`, 'bcc:@lawfirm.example', 'bcc:hidden', `bcc:"hidden counsel"`);
  add('some', `participants:${senderHeader}`, `participants:${r1}`, `participants:${c1}`, `participants:${JOURNAL_BCC}`, `participants:${localWord}`);
  add('some', `custodian:${c1}`, `custodian:${c2}`, 'custodian:@mailboxes.example', `custodian:${internalCustodian}`, 'custodian:@enron.com');
  add('some', `custodian:${MAILBOXES[0].split('-')[0]}`, `custodian:${MAILBOXES[1].slice(0, 3)}*`, `custodian:${JOURNAL_BCC}`);
  add('some', 'custodian:@lawfirm.example', 'custodian:hidden', 'custodian:records.keeper@corp.example', 'custodian:keeper');
  add('none', 'participants:records.keeper@corp.example', 'participants:keeper', 'participants:@corp.example -to:@corp.example');
  add('none', `to:${c1}`, `participants:${internalCustodian}x`, 'from:nobody@nowhere.example', 'custodian:@example.org');
  add('none', `from:@${fd1.slice(1)}`, `participants:@${tld}x`);
  // Message-ID: exact and case-sensitive; without one a message stays under NOT.
  add('some', `messageid:${mid}`, `messageid:<${mid}>`, 'messageid:Hand.Made-1@corp.example', `-messageid:${mid}`);
  add('none', `messageid:${mid.toLowerCase()}x`, `messageid:${mid.slice(0, -1)}`);
  // Dates and sizes.
  add('some', `sent:${year}`, `sent:${month}`, `sent:${busiestDay}`, `sent:${at(0.25)}..${at(0.75)}`, `sent:${year}..${month}`);
  add('some', `sent>${at(0.5)}`, `sent>=${at(0.5)}`, `sent<${at(0.5)}`, `sent<=${at(0.5)}`, `sent>${month}`, `sent<${year}`);
  add('some', `received:${receivedDay}`, `received>=${receivedDay}`, `received<${receivedDay}`, `received:${receivedDay.slice(0, 7)}`);
  add('some', `size>=${median}`, `size<${median}`, `size:${exactSize}`, 'size<2KB', 'size:2KB..4KB', 'size>10KB', 'size>1.5KB');
  add('none', 'sent:1901', 'size>1GB', 'size<10B');
  add('any', 'sent:1970', `sent>${day(NOW)}`);
  // Combining.
  add('some', `${b1} AND ${b2}`, `${b1} ${b2}`, `${b1} OR ${b2}`, `${b1} -${b2}`, `NOT ${b1}`, `-${b1} -${b2}`);
  add('some', `(from:${f1} OR from:${f2}) ${s1}`, `from:${f1} OR from:${f2} ${s1}`, `NOT from:${f1} subject:${s1}`);
  add('some', `-(from:${f1} OR subject:${s1})`, `(${b1} OR ${b3}) (${b2} OR ${b4}) -has:attachment`, `NOT (NOT ${b1})`);
  add('some', `${b1} OR from:@${fd1} OR attachment:*.${e1}`, `-from:@${fd1} -to:@${toDomain} -cc:@${domainOf(ccAddress)}`);
  add('some', `${prefixes[0]}* -${b1} sent>=${at(0.25)} size<${median}`, `(subject:${s1} OR body:"${g1}") -bcc:${JOURNAL_BCC}`);
  add('some', `participants:@${parentDomain} AND (${b1} OR ${b2}) AND NOT custodian:${c1}`, `-messageid:${mid} -has:attachment -${b1}`);
  add('all', '', `${b1} OR -${b1}`, '-zzqxv', '-from:nobody@nowhere.example', '-bcc:zz*');
  add('none', 'zzqxv', `${b1} -${b1}`, `subject:zzqxv OR body:zzqxv`, `"${b1} zzqxv"`);
  return cases;
}

// ---------------------------------------------------------------------------------------------

/** Every id an engine returns for a query, all pages. */
async function engineIds(index: SearchIndex, query: QueryNode): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await index.search({ query, limit: 500, sort: 'sent:asc', ...(cursor !== undefined ? { cursor } : {}) });
    ids.push(...page.ids);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return ids.sort();
}

const minus = (a: readonly string[], b: readonly string[]): string[] => {
  const other = new Set(b);
  return a.filter((x) => !other.has(x));
};

describe('the in-memory evaluator agrees with SQLite FTS5 and OpenSearch on real mail', () => {
  let tmp: string;
  let docs: IndexDocument[] = [];
  let sqlite: SqliteFtsIndex;
  let client: Client;
  let alias: string | undefined;
  let opensearch: OpenSearchIndex;
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    client = new Client({ node: requireOpenSearch() });
    let started = Date.now();
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'coffer-evaluate-'));
    await run('tar', ['-xzf', corpusPath('enron-inbox.tar.gz'), '-C', tmp, '--wildcards', ...MAILBOXES.map((m) => `maildir/${m}/*`)]);
    const enron = (await fsp.readdir(path.join(tmp, 'maildir'), { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => path.join(e.parentPath, e.name))
      .sort();
    const fixtures = (
      await Promise.all(
        FIXTURE_PROJECTS.map(async (project) =>
          (await fsp.readdir(corpusPath('fixtures', project), { recursive: true, withFileTypes: true }))
            .filter((e) => e.isFile() && e.name.endsWith('.eml'))
            .map((e) => path.join(e.parentPath, e.name)),
        ),
      )
    )
      .flat()
      .sort();
    const sources: Source[] = [];
    for (const file of [...enron, ...fixtures]) {
      const mailbox = file.startsWith(tmp) ? path.relative(tmp, file).split(path.sep)[1] ?? '' : 'fixtures';
      sources.push({ file, custodian: `${mailbox}@mailboxes.example`, bytes: await fsp.readFile(file) });
    }
    timings.read = Date.now() - started;

    started = Date.now();
    docs = [...(await buildDocuments(sources)), ...handMade()];
    timings.build = Date.now() - started;

    started = Date.now();
    sqlite = SqliteFtsIndex.open(path.join(tmp, 'index.sqlite'));
    await sqlite.index(docs);
    alias = `coffer-evaluate-${randomBytes(6).toString('hex')}`;
    await OpenSearchIndex.ensureIndex(client, alias, { shards: 1, replicas: 0, refreshInterval: '100ms' });
    opensearch = new OpenSearchIndex(client, alias);
    await opensearch.index(docs);
    timings.index = Date.now() - started;
  }, 300_000);

  afterAll(async () => {
    console.log(`query-evaluate-agreement: ${docs.length} documents; timings (ms)`, JSON.stringify(timings));
    sqlite?.close();
    if (alias !== undefined) await client.indices.delete({ index: versionedName(alias), ignore_unavailable: true }).catch(() => undefined);
    await client?.close();
    if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
  });

  it('indexed every document in both engines', async () => {
    expect(docs.length).toBeGreaterThan(600);
    expect(new Set(docs.map((d) => d.id)).size).toBe(docs.length);
    expect(await sqlite.count()).toBe(docs.length);
    expect(await opensearch.count()).toBe(docs.length);
  });

  it('gives the same set of ids as both engines for every query', async () => {
    let started = Date.now();
    const cases = buildCases(docs);
    timings.pick = Date.now() - started;
    expect(cases.length).toBeGreaterThanOrEqual(200);
    const allIds = docs.map((d) => d.id).sort();

    started = Date.now();
    const prepared = docs.map(prepareDocument);
    const evaluated = cases.map(({ query }) => {
      const matcher = compileMatcher(parseQuery(query));
      return prepared.filter((d) => matcher(d)).map((d) => d.doc.id).sort();
    });
    timings.evaluate = Date.now() - started;

    started = Date.now();
    const mismatches: Record<string, unknown>[] = [];
    const unmet: string[] = [];
    for (const [i, { query, expect: expectation }] of cases.entries()) {
      const ast = parseQuery(query);
      const mine = evaluated[i] ?? [];
      const [lite, search] = await Promise.all([engineIds(sqlite, ast), engineIds(opensearch, ast)]);
      if (mine.join() !== lite.join() || mine.join() !== search.join()) {
        mismatches.push({
          query,
          counts: { evaluator: mine.length, sqlite: lite.length, opensearch: search.length },
          onlyEvaluator: minus(mine, [...lite, ...search]),
          notInEvaluator: [...new Set([...minus(lite, mine), ...minus(search, mine)])],
          sqliteVsOpenSearch: { onlySqlite: minus(lite, search), onlyOpenSearch: minus(search, lite) },
        });
      }
      const ok =
        expectation === 'any' ||
        (expectation === 'none' && lite.length === 0) ||
        (expectation === 'all' && lite.length === allIds.length) ||
        (expectation === 'some' && lite.length > 0 && lite.length < allIds.length);
      if (!ok) unmet.push(`${query}: expected ${expectation}, got ${lite.length} of ${allIds.length}`);
    }
    timings.engines = Date.now() - started;
    const selective = cases.filter((_, i) => (evaluated[i]?.length ?? 0) > 0 && (evaluated[i]?.length ?? 0) < allIds.length).length;
    console.log(`query-evaluate-agreement: ${cases.length} queries, ${selective} select some but not all documents`);

    expect(mismatches, JSON.stringify(mismatches, null, 2)).toEqual([]);
    expect(unmet).toEqual([]);
  }, 180_000);
});
