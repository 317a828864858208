/**
 * The in-memory evaluator (shared/query/evaluate.ts), operator by operator, on hand-made
 * documents: each case lists the documents that must match AND the near misses that must not.
 * Queries go through the real parser, so these also pin what a written query means; a few
 * shapes the parser never makes (several-word prefixes, empty words) are built as ASTs.
 * Agreement with the two search engines on real mail: test/integration/query-evaluate-agreement.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { IndexDocument } from '../../shared/ports/search-index.js';
import type { QueryNode } from '../../shared/query/ast.js';
import { compileMatcher, matchesQuery, prepareDocument } from '../../shared/query/evaluate.js';
import { parseQuery } from '../../shared/query/parser.js';
import { attachment, from, prefix, subject } from '../support/ast.js';
import { T0, aDoc, person } from '../support/index-docs.js';

const span = { start: 1, end: 1 };
const DAY = 86_400_000;
const KB = 1024;

/** The ids of `docs` that `query` (text, or an AST) matches, in the order given. */
function matching(query: string | QueryNode, docs: readonly IndexDocument[]): string[] {
  const matcher = compileMatcher(typeof query === 'string' ? parseQuery(query) : query);
  return docs.filter((d) => matcher(prepareDocument(d))).map((d) => d.id);
}

describe('free text', () => {
  const docs = [
    aDoc('subject', { subject: 'Budget for Q3' }),
    aDoc('body', { body: 'see the budget, please' }),
    aDoc('attachment', { attachmentNames: ['Budget-2024.xlsx'], hasAttachment: true }),
    aDoc('people', { from: [person('budget@corp.example', 'Budget Office')], to: [person('b@x.example', 'budget')] }),
    aDoc('messageid', { messageId: 'budget@corp.example' }),
    aDoc('longer', { subject: 'budgetary', body: 'budgets budgeted' }),
  ];

  it('a bare word matches subject, body and attachment names; never people, Message-ID or a longer word', () => {
    expect(matching('budget', docs)).toEqual(['subject', 'body', 'attachment']);
    expect(matching('BUDGET', docs)).toEqual(['subject', 'body', 'attachment']);
  });

  it('subject:, body: and attachment: search only their field', () => {
    expect(matching('subject:budget', docs)).toEqual(['subject']);
    expect(matching('body:budget', docs)).toEqual(['body']);
    expect(matching('attachment:budget', docs)).toEqual(['attachment']);
    expect(matching('attachment:2024', docs)).toEqual(['attachment']);
    expect(matching('body:q3', docs)).toEqual([]);
  });

  it('folds case, diacritics, ligatures and compatibility forms on both sides', () => {
    const folded = [
      aDoc('cafe', { subject: 'Le CAFÉ est fermé' }),
      aDoc('lodz', { body: 'Łódź and Straße' }),
      aDoc('fullwidth', { body: 'ＡＢＣ１２３ ﬁle' }),
      aDoc('plain', { body: 'cafeteria lodzkie' }),
    ];
    expect(matching('cafe', folded)).toEqual(['cafe']);
    expect(matching('Café', folded)).toEqual(['cafe']);
    expect(matching('subject:FERME', folded)).toEqual(['cafe']);
    expect(matching('lodz', folded)).toEqual(['lodz']);
    expect(matching('strasse', folded)).toEqual(['lodz']);
    expect(matching('Straße', folded)).toEqual(['lodz']);
    expect(matching('abc123', folded)).toEqual(['fullwidth']);
    expect(matching('file', folded)).toEqual(['fullwidth']);
    expect(matching('caf*', folded)).toEqual(['cafe', 'plain']);
    expect(matching('łód*', folded)).toEqual(['lodz', 'plain']);
  });

  it('has no stemming: a word never matches a longer or shorter one', () => {
    const d = [aDoc('plural', { body: 'the contracts' }), aDoc('singular', { body: 'a contract' })];
    expect(matching('contract', d)).toEqual(['singular']);
    expect(matching('contracts', d)).toEqual(['plural']);
    expect(matching('contract*', d)).toEqual(['plural', 'singular']);
  });

  it('a prefix matches any word starting with it, in the chosen fields only', () => {
    const d = [
      aDoc('s', { subject: 'Settlement' }),
      aDoc('b', { body: 'they settled' }),
      aDoc('a', { attachmentNames: ['settle.pdf'] }),
      aDoc('p', { from: [person('settle@x.example', 'Settle')] }),
      aDoc('mid', { body: 'unsettled resettle' }),
      aDoc('exact', { body: 'se' }),
    ];
    expect(matching('settle*', d)).toEqual(['s', 'b', 'a']);
    expect(matching('se*', d)).toEqual(['s', 'b', 'a', 'exact']);
    expect(matching('subject:settle*', d)).toEqual(['s']);
    expect(matching('body:settle*', d)).toEqual(['b']);
    expect(matching('attachment:sett*', d)).toEqual(['a']);
    expect(matching('zz*', d)).toEqual([]);
  });

  it('a word split by punctuation is searched as a phrase', () => {
    const d = [
      aDoc('apostrophe', { body: "I don't know" }),
      aDoc('dash', { body: 'Don-t' }),
      aDoc('apart', { body: 'don, they said. t' }),
      aDoc('decimal', { body: 'pi is 3,14' }),
    ];
    expect(matching("don't", d)).toEqual(['apostrophe', 'dash']);
    expect(matching('don', d)).toEqual(['apostrophe', 'dash', 'apart']);
    expect(matching('3.14', d)).toEqual(['decimal']);
  });

  it('takes a word longer than 255 characters whole, as QUERY.md defines a word', () => {
    const head = 'a'.repeat(255);
    const d = [aDoc('long', { body: `${head}bbb end` })];
    expect(matching(`${head}bbb`, d)).toEqual(['long']);
    expect(matching(head, d)).toEqual([]);
    expect(matching('bbb', d)).toEqual([]);
    expect(matching('bb*', d)).toEqual([]);
    expect(matching('aa*', d)).toEqual(['long']);
  });
});

describe('phrases', () => {
  const docs = [
    aDoc('adjacent', { body: 'the Merger Agreement, signed' }),
    aDoc('reversed', { body: 'agreement merger' }),
    aDoc('apart', { body: 'merger of the agreement' }),
    aDoc('across-fields', { subject: 'about the merger', body: 'agreement attached' }),
    aDoc('across-names', { attachmentNames: ['draft merger', 'agreement.pdf'] }),
    aDoc('in-a-name', { attachmentNames: ['merger agreement v2.docx'] }),
    aDoc('subject', { subject: 'RE: merger-agreement' }),
  ];

  it('needs the words adjacent, in order, in one field, within one attachment name', () => {
    expect(matching('"merger agreement"', docs)).toEqual(['adjacent', 'in-a-name', 'subject']);
    expect(matching('subject:"merger agreement"', docs)).toEqual(['subject']);
    expect(matching('body:"merger agreement"', docs)).toEqual(['adjacent']);
    expect(matching('attachment:"merger agreement"', docs)).toEqual(['in-a-name']);
    expect(matching('attachment:merger-agreement-v2.docx', docs)).toEqual(['in-a-name']);
  });

  it('without quotes the words are ANDed and may be in different fields', () => {
    expect(matching('merger agreement', docs)).toEqual(docs.map((d) => d.id));
  });

  it('a colon inside a value is text: subject:re:merger is the phrase "re merger"', () => {
    expect(matching('subject:re:merger', docs)).toEqual(['subject']);
    expect(matching('"re: merger"', docs)).toEqual(['subject']);
  });

  it('a repeated first word still finds the phrase', () => {
    const d = [aDoc('r', { body: 'very very good' }), aDoc('n', { body: 'very good' })];
    expect(matching('"very very good"', d)).toEqual(['r']);
    expect(matching('"very good"', d)).toEqual(['r', 'n']);
  });

  it('a prefix of several words (FTS5 "a b" *) is a phrase whose last word is a prefix', () => {
    const d = [
      aDoc('names', { attachmentNames: ['merger plan.docx', 'agreement.pdf'] }),
      aDoc('apart', { body: 'merger the plans' }),
    ];
    expect(matching(prefix('merger pl'), d)).toEqual(['names']);
    expect(matching(prefix('docx agr'), d)).toEqual([]);
    expect(matching(attachment.prefix('plan do'), d)).toEqual(['names']);
    expect(matching(subject.prefix('merger pl'), d)).toEqual([]);
  });
});

describe('attachments', () => {
  const docs = [
    aDoc('pdf', { attachmentNames: ['Report.PDF'], hasAttachment: true }),
    aDoc('targz', { attachmentNames: ['logs.tar.gz'], hasAttachment: true }),
    aDoc('guide', { attachmentNames: ['pdf-guide.docx'], hasAttachment: true }),
    aDoc('inline', { attachmentNames: ['logo.pdf'], hasAttachment: false }),
    aDoc('accented', { attachmentNames: ['résumé.Pdf '], hasAttachment: true }),
    aDoc('body', { body: 'see report.pdf' }),
    aDoc('none'),
  ];

  it('attachment:*.ext matches a name ending in that extension, any case, inline ones included', () => {
    expect(matching('attachment:*.pdf', docs)).toEqual(['pdf', 'inline', 'accented']);
    expect(matching('attachment:*.PDF', docs)).toEqual(['pdf', 'inline', 'accented']);
    expect(matching('attachment:*.gz', docs)).toEqual(['targz']);
    expect(matching('attachment:*.tar.gz', docs)).toEqual(['targz']);
    expect(matching('attachment:*.tar', docs)).toEqual([]);
    expect(matching('attachment:*.docx', docs)).toEqual(['guide']);
  });

  it('attachment:pdf is a word of a name, broader than *.pdf; never body text', () => {
    expect(matching('attachment:pdf', docs)).toEqual(['pdf', 'guide', 'inline', 'accented']);
    expect(matching('attachment:resume', docs)).toEqual(['accented']);
  });

  it('has:attachment is the flag the intake computed (inline parts do not count)', () => {
    expect(matching('has:attachment', docs)).toEqual(['pdf', 'targz', 'guide', 'accented']);
    expect(matching('-has:attachment', docs)).toEqual(['inline', 'body', 'none']);
  });
});

describe('address operators', () => {
  const alice = aDoc('alice', {
    from: [person('alice.smith@example.com', 'Alice Smith')],
    to: [person('bob@mail.example.com', 'Bob Jones')],
    cc: [person('carol@partner.example', '')],
  });
  const sub = aDoc('sub', { from: [person('ALICE@Sub.Example.COM', 'Ålice Ström')] });
  const near = aDoc('near', {
    from: [person('alice@notexample.com', 'Someone Else')],
    to: [person('x@example.com.au', '')],
  });
  const jsmith = aDoc('jsmith', { from: [person('jsmith@corp.example', 'Smith')] });
  const hidden = aDoc('hidden', {
    from: [person('dave@corp.example', 'Dave')],
    sender: [person('assistant@corp.example', 'Erin Assistant')],
    bcc: [person('counsel@lawfirm.example', 'Frank Counsel')],
    envelopeRecipients: ['listmember@lawfirm.example'],
    custodians: ['trader1@bank.example', 'dave@corp.example'],
  });
  const docs = [alice, sub, near, jsmith, hidden];

  it('an address with text on both sides of @ is that address, case-insensitive, nothing more', () => {
    expect(matching('from:alice.smith@example.com', docs)).toEqual(['alice']);
    expect(matching('from:Alice.Smith@EXAMPLE.com', docs)).toEqual(['alice']);
    expect(matching('from:"alice@sub.example.com"', docs)).toEqual(['sub']);
    expect(matching('from:alice@example.com', docs)).toEqual([]);
    expect(matching('from:smith@example.com', docs)).toEqual([]);
  });

  it('@domain and domain.tld match that domain and its subdomains, not look-alikes', () => {
    expect(matching('from:@example.com', docs)).toEqual(['alice', 'sub']);
    expect(matching('from:example.com', docs)).toEqual(['alice', 'sub']);
    expect(matching('from:EXAMPLE.COM.', docs)).toEqual(['alice', 'sub']);
    expect(matching('from:@sub.example.com', docs)).toEqual(['sub']);
    expect(matching('to:@example.com', docs)).toEqual(['alice']);
    expect(matching('to:@com', docs)).toEqual(['alice']);
    expect(matching('from:@notexample.com', docs)).toEqual(['near']);
    expect(matching('from:@ample.com', docs)).toEqual([]);
  });

  it('a name matches words of one display name or of one local part, folded', () => {
    expect(matching('from:alice', docs)).toEqual(['alice', 'sub', 'near']);
    expect(matching('from:smith', docs)).toEqual(['alice', 'jsmith']);
    expect(matching('from:"alice smith"', docs)).toEqual(['alice']);
    expect(matching('from:strom', docs)).toEqual(['sub']);
    expect(matching('from:ali*', docs)).toEqual(['alice', 'sub', 'near']);
    expect(matching('from:js*', docs)).toEqual(['jsmith']);
    expect(matching('from:example', docs)).toEqual([]);
  });

  it('a phrase never joins a display name to its local part, or one address to the next', () => {
    expect(matching('from:"smith jsmith"', docs)).toEqual([]);
    expect(matching('from:"smith alice"', docs)).toEqual([]);
    expect(matching('participants:"smith bob"', docs)).toEqual([]);
    expect(matching('participants:"bob jones"', docs)).toEqual(['alice']);
  });

  it('each header operator searches its own header only', () => {
    expect(matching('to:bob', docs)).toEqual(['alice']);
    expect(matching('from:bob', docs)).toEqual([]);
    expect(matching('cc:carol@partner.example', docs)).toEqual(['alice']);
    expect(matching('cc:partner.example', docs)).toEqual(['alice']);
    expect(matching('to:carol', docs)).toEqual([]);
    expect(matching('bcc:counsel@lawfirm.example', docs)).toEqual(['hidden']);
    expect(matching('bcc:frank', docs)).toEqual(['hidden']);
    expect(matching('to:listmember@lawfirm.example', docs)).toEqual([]);
  });

  it('participants: covers from, sender, to, cc, bcc and envelope recipients, but not custodians', () => {
    expect(matching('participants:assistant@corp.example', docs)).toEqual(['hidden']);
    expect(matching('participants:erin', docs)).toEqual(['hidden']);
    expect(matching('participants:listmember@lawfirm.example', docs)).toEqual(['hidden']);
    expect(matching('participants:@lawfirm.example', docs)).toEqual(['hidden']);
    expect(matching('participants:carol', docs)).toEqual(['alice']);
    expect(matching('participants:trader1@bank.example', docs)).toEqual([]);
    expect(matching('from:assistant@corp.example', docs)).toEqual([]);
  });

  it('custodian: is the custodian list only, addresses and their local-part words', () => {
    expect(matching('custodian:trader1@bank.example', docs)).toEqual(['hidden']);
    expect(matching('custodian:@bank.example', docs)).toEqual(['hidden']);
    expect(matching('custodian:trader1', docs)).toEqual(['hidden']);
    expect(matching('custodian:dave', docs)).toEqual(['hidden']);
    expect(matching('custodian:counsel@lawfirm.example', docs)).toEqual([]);
    expect(matching('custodian:alice', docs)).toEqual([]);
  });

  it('a blank or missing address never matches, and still counts under NOT', () => {
    const blank = aDoc('blank', { from: [person('  ', 'Nobody')], to: [] });
    expect(matching('from:@example.com', [blank])).toEqual([]);
    expect(matching('-from:@example.com', [blank])).toEqual(['blank']);
    expect(matching('from:nobody', [blank])).toEqual(['blank']);
    expect(matching(from.domain('...'), [alice, blank])).toEqual([]);
    expect(matching(from.exact('  '), [alice, blank])).toEqual([]);
  });
});

describe('messageid:', () => {
  const docs = [
    aDoc('m', { messageId: 'Abc.123@mail.example' }),
    aDoc('other', { messageId: 'xyz@mail.example' }),
    aDoc('none', { messageId: null }),
  ];

  it('is exact and case-sensitive, with or without angle brackets', () => {
    expect(matching('messageid:Abc.123@mail.example', docs)).toEqual(['m']);
    expect(matching('messageid:<Abc.123@mail.example>', docs)).toEqual(['m']);
    expect(matching('messageid:abc.123@mail.example', docs)).toEqual([]);
    expect(matching('messageid:Abc.123', docs)).toEqual([]);
  });

  it('a message without a Message-ID is kept by NOT', () => {
    expect(matching('-messageid:Abc.123@mail.example', docs)).toEqual(['other', 'none']);
  });
});

describe('dates', () => {
  const at = (id: string, iso: string, received = iso) => aDoc(id, { sent: Date.parse(iso), received: Date.parse(received) });
  const docs = [
    at('dec31-end', '2023-12-31T23:59:59.999Z'),
    at('jan15-start', '2024-01-15T00:00:00.000Z'),
    at('jan15-end', '2024-01-15T23:59:59.999Z'),
    at('jan16-start', '2024-01-16T00:00:00.000Z'),
    at('feb29', '2024-02-29T12:00:00.000Z'),
    at('mar31-end', '2024-03-31T23:59:59.999Z', '2024-04-01T00:00:00.000Z'),
    at('apr1', '2024-04-01T00:00:00.000Z', '2023-06-01T00:00:00.000Z'),
  ];
  const ids = (...names: string[]) => names;

  it('a day, month or year is the whole UTC period, both ends inclusive', () => {
    expect(matching('sent:2024-01-15', docs)).toEqual(ids('jan15-start', 'jan15-end'));
    expect(matching('sent:2024-01', docs)).toEqual(ids('jan15-start', 'jan15-end', 'jan16-start'));
    expect(matching('sent:2024-02', docs)).toEqual(ids('feb29'));
    expect(matching('sent:2023', docs)).toEqual(ids('dec31-end'));
    expect(matching('sent:2024-01..2024-03', docs)).toEqual(ids('jan15-start', 'jan15-end', 'jan16-start', 'feb29', 'mar31-end'));
    expect(matching('sent:2023..2024-01-15', docs)).toEqual(ids('dec31-end', 'jan15-start', 'jan15-end'));
  });

  it('each comparison uses the end of the period a user means', () => {
    expect(matching('sent>2024-01-15', docs)).toEqual(ids('jan16-start', 'feb29', 'mar31-end', 'apr1'));
    expect(matching('sent>=2024-01-15', docs)).toEqual(ids('jan15-start', 'jan15-end', 'jan16-start', 'feb29', 'mar31-end', 'apr1'));
    expect(matching('sent<2024-01-15', docs)).toEqual(ids('dec31-end'));
    expect(matching('sent<=2024-01-15', docs)).toEqual(ids('dec31-end', 'jan15-start', 'jan15-end'));
    expect(matching('sent>2024-01', docs)).toEqual(ids('feb29', 'mar31-end', 'apr1'));
    expect(matching('sent<2024', docs)).toEqual(ids('dec31-end'));
  });

  it('a time zone offset is already in the epoch value: 23:30 -0500 is the next UTC day', () => {
    const late = aDoc('late', { sent: Date.parse('2024-01-15T23:30:00-05:00') });
    expect(matching('sent:2024-01-16', [late])).toEqual(['late']);
    expect(matching('sent:2024-01-15', [late])).toEqual([]);
  });

  it('received is its own field', () => {
    expect(matching('received:2024-04-01', docs)).toEqual(ids('mar31-end'));
    expect(matching('received<2024', docs)).toEqual(ids('dec31-end', 'apr1'));
    expect(matching('sent:2024-04-01', docs)).toEqual(ids('apr1'));
  });
});

describe('sizes', () => {
  const sized = (bytes: number) => aDoc(`b${bytes}`, { size: bytes });
  const docs = [sized(1023), sized(1024), sized(1025), sized(1536), sized(1537), sized(KB * KB), sized(5 * KB * KB + 1)];

  it('units are powers of 1024, and : names the exact value', () => {
    expect(matching('size:1KB', docs)).toEqual(['b1024']);
    expect(matching('size:1024', docs)).toEqual(['b1024']);
    expect(matching('size:1024b', docs)).toEqual(['b1024']);
    expect(matching('size:1MB', docs)).toEqual([`b${KB * KB}`]);
  });

  it('comparisons are strict or inclusive as written; fractions round to a byte', () => {
    expect(matching('size>1KB', docs)).toEqual(['b1025', 'b1536', 'b1537', `b${KB * KB}`, `b${5 * KB * KB + 1}`]);
    expect(matching('size>=1KB size<=1.5KB', docs)).toEqual(['b1024', 'b1025', 'b1536']);
    expect(matching('size<1KB', docs)).toEqual(['b1023']);
    expect(matching('size>1.5KB', docs)).toEqual(['b1537', `b${KB * KB}`, `b${5 * KB * KB + 1}`]);
    expect(matching('size:1KB..1MB', docs)).toEqual(['b1024', 'b1025', 'b1536', 'b1537', `b${KB * KB}`]);
    expect(matching('size>5MB', docs)).toEqual([`b${5 * KB * KB + 1}`]);
  });

  it('a range with no bounds matches everything', () => {
    expect(matching({ kind: 'range', field: 'size', span }, docs)).toHaveLength(docs.length);
  });
});

describe('combining', () => {
  const docs = [
    aDoc('a', { body: 'alpha' }),
    aDoc('b', { body: 'beta' }),
    aDoc('ab', { body: 'alpha beta' }),
    aDoc('c', { body: 'gamma' }),
    aDoc('bc', { subject: 'beta', body: 'gamma' }),
    aDoc('empty'),
  ];

  it('AND, OR, NOT, - and parentheses, with NOT > AND > OR', () => {
    expect(matching('alpha beta', docs)).toEqual(['ab']);
    expect(matching('alpha AND beta', docs)).toEqual(['ab']);
    expect(matching('alpha OR beta', docs)).toEqual(['a', 'b', 'ab', 'bc']);
    expect(matching('alpha -beta', docs)).toEqual(['a']);
    expect(matching('alpha OR beta gamma', docs)).toEqual(['a', 'ab', 'bc']);
    expect(matching('(alpha OR beta) gamma', docs)).toEqual(['bc']);
    expect(matching('(alpha OR beta) -gamma', docs)).toEqual(['a', 'b', 'ab']);
    expect(matching('NOT alpha OR gamma', docs)).toEqual(['b', 'c', 'bc', 'empty']);
    expect(matching('NOT (alpha OR gamma)', docs)).toEqual(['b', 'empty']);
    expect(matching('-(-alpha)', docs)).toEqual(['a', 'ab']);
  });

  it('a purely negative query is "all messages except", including those with empty fields', () => {
    expect(matching('NOT alpha', docs)).toEqual(['b', 'c', 'bc', 'empty']);
    expect(matching('-body:alpha -subject:beta', docs)).toEqual(['b', 'c', 'empty']);
    expect(matching('-from:alice -attachment:*.pdf', docs)).toEqual(docs.map((d) => d.id));
  });

  it('the empty query matches every message', () => {
    expect(matching('', docs)).toEqual(docs.map((d) => d.id));
    expect(matching('   ', docs)).toEqual(docs.map((d) => d.id));
  });

  it('operator words in lower case are text', () => {
    expect(matching('alpha and beta', [aDoc('and', { body: 'alpha and beta' }), ...docs])).toEqual(['and']);
  });

  it('a text or name match without any word matches nothing, and NOT of it everything', () => {
    const none: QueryNode = { kind: 'text', field: 'any', match: { type: 'words', words: [] }, span };
    const noName: QueryNode = { kind: 'address', field: 'from', match: { type: 'words', words: ['--'] }, span };
    const noExt: QueryNode = { kind: 'text', field: 'attachment', match: { type: 'extension', extension: '.' }, span };
    for (const q of [none, noName, noExt]) {
      expect(matching(q, docs)).toEqual([]);
      expect(matching({ kind: 'not', child: q, span }, docs)).toHaveLength(docs.length);
    }
  });
});

describe('API', () => {
  const doc = aDoc('m', {
    subject: 'Quarterly numbers',
    body: 'the merger agreement',
    from: [person('alice@example.com', 'Alice')],
    sent: T0,
  });

  it('matchesQuery takes a plain or a prepared document, and agrees with compileMatcher', () => {
    const query = parseQuery('from:@example.com "merger agreement" -subject:annual');
    expect(matchesQuery(query, doc)).toBe(true);
    expect(matchesQuery(query, prepareDocument(doc))).toBe(true);
    expect(compileMatcher(query)(prepareDocument(doc))).toBe(true);
    expect(matchesQuery(parseQuery('from:@example.org'), doc)).toBe(false);
  });

  it('one prepared document answers many compiled queries, in any order, consistently', () => {
    const queries = ['merger', 'body:merg*', 'subject:merger', 'from:alice', `sent:${new Date(T0 - DAY).toISOString().slice(0, 10)}`];
    const matchers = queries.map((q) => compileMatcher(parseQuery(q)));
    const prepared = prepareDocument(doc);
    const first = matchers.map((m) => m(prepared));
    const again = [...matchers].reverse().map((m) => m(prepared)).reverse();
    expect(first).toEqual([true, true, false, true, false]);
    expect(again).toEqual(first);
  });
});
