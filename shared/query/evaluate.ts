/**
 * The in-memory engine (QUERY.md): decides whether one IndexDocument matches a query AST, with
 * the same membership as the SQLite FTS5 and OpenSearch engines. Holds and retention policies
 * are matched at intake with it, before (and without) the index.
 *
 * The document is read exactly as the engines store it: text split by `normalizeWords` into one
 * run of words per field (`subject`, `body`) or per value (each attachment name; each display name
 * and each local part), so a phrase never crosses from one value into the next; addresses trimmed
 * and lower-cased; domains and extensions as adapters/embedded/sqlite-query-compiler.ts derives
 * them. Query words are normalized again, as both compilers do.
 *
 * Intake evaluates every active hold and policy against each message, so a query is compiled once
 * (`compileMatcher`) and a document prepared once (`prepareDocument`); a prepared document
 * tokenizes a field only when some query first asks about it, and only once.
 *
 * Nothing here takes a clock: no operator is relative to the current time (QUERY.md has none, and
 * the parser rejects words like `yesterday`), so a date in a query is already fixed epoch bounds.
 */
import type { AddressField, AddressMatch, QueryNode, TextField, TextMatch } from './ast.js';
import type { IndexDocument, IndexedAddress } from '../ports/search-index.js';
import { domainOf, fileExtensions, foldFileName, localPartOf, normalizeWords, reversedDomain } from './text.js';

/**
 * A document made ready for any number of queries; build with `prepareDocument`. What it derives
 * is cached, so prepare the document again after it changes (a later delivery adding recipients).
 */
export class PreparedDocument {
  /** Words, addresses and extensions, each computed when a query first needs it. */
  readonly fields: DocumentFields;

  constructor(readonly doc: IndexDocument) {
    this.fields = new DocumentFields(doc);
  }
}

/** A compiled query: true when the prepared document matches. */
export type Matcher = (doc: PreparedDocument) => boolean;

export function prepareDocument(doc: IndexDocument): PreparedDocument {
  return new PreparedDocument(doc);
}

export function compileMatcher(query: QueryNode): Matcher {
  return compile(query);
}

/** One query against one document. For many queries or documents, compile and prepare once. */
export function matchesQuery(query: QueryNode, doc: IndexDocument | PreparedDocument): boolean {
  return compile(query)(doc instanceof PreparedDocument ? doc : prepareDocument(doc));
}

// ---------------------------------------------------------------------------------------------
// Compiling
// ---------------------------------------------------------------------------------------------

const always: Matcher = () => true;
const never: Matcher = () => false;

type TextKey = 'subject' | 'body' | 'attachment';
type PeopleKey = 'from' | 'sender' | 'to' | 'cc' | 'bcc' | 'envelope' | 'custodian';

const TEXT_KEYS: Record<TextField, readonly TextKey[]> = {
  any: ['subject', 'body', 'attachment'],
  subject: ['subject'],
  body: ['body'],
  attachment: ['attachment'],
};

/** Custodians are not participants (QUERY.md "Fields"). */
const PEOPLE_KEYS: Record<AddressField, readonly PeopleKey[]> = {
  from: ['from'],
  to: ['to'],
  cc: ['cc'],
  bcc: ['bcc'],
  participants: ['from', 'sender', 'to', 'cc', 'bcc', 'envelope'],
  custodian: ['custodian'],
};

function compile(node: QueryNode): Matcher {
  switch (node.kind) {
    case 'all':
      return always;
    case 'and': {
      const parts = node.children.map(compile);
      return (d) => parts.every((p) => p(d));
    }
    case 'or': {
      const parts = node.children.map(compile);
      return (d) => parts.some((p) => p(d));
    }
    case 'not': {
      const inner = compile(node.child);
      return (d) => !inner(d);
    }
    case 'hasAttachment':
      return (d) => d.doc.hasAttachment;
    case 'messageId': {
      const { value } = node;
      // Exact and case-sensitive; a message without a Message-ID never matches, so NOT keeps it.
      return (d) => d.doc.messageId === value;
    }
    case 'range': {
      const { field } = node;
      const min = node.min ?? -Infinity;
      const max = node.max ?? Infinity;
      return (d) => d.doc[field] >= min && d.doc[field] <= max;
    }
    case 'text':
      return compileText(TEXT_KEYS[node.field], node.match);
    case 'address':
      return compileAddress(PEOPLE_KEYS[node.field], node.match);
  }
}

function compileText(keys: readonly TextKey[], match: TextMatch): Matcher {
  if (match.type === 'extension') {
    const ext = fileNameExtension(match.extension);
    return ext === '' ? never : (d) => d.fields.extensions().has(ext);
  }
  const test = wordsTest(match);
  if (test === null) return never;
  return (d) => keys.some((k) => test(d.fields.text(k)));
}

function compileAddress(keys: readonly PeopleKey[], match: AddressMatch): Matcher {
  switch (match.type) {
    case 'exact': {
      const address = match.address.trim().toLowerCase();
      if (address === '') return never;
      return (d) => keys.some((k) => d.fields.people(k).addresses.has(address));
    }
    case 'domain': {
      const rdomain = reversedDomain(match.domain);
      if (rdomain === '') return never;
      // `com.example.` starts `com.example.` and `com.example.mail.`, not `com.examples.`.
      return (d) => keys.some((k) => d.fields.people(k).rdomains.some((r) => r.startsWith(rdomain)));
    }
    case 'words':
    case 'prefix': {
      const test = wordsTest(match);
      if (test === null) return never;
      return (d) => keys.some((k) => test(d.fields.people(k).words));
    }
  }
}

/**
 * A phrase (one word is a phrase of one), or a phrase whose last word is a prefix (FTS5's
 * `"a b" *`; the parser only makes one-word prefixes). Null when there are no words: such a
 * match matches nothing, in both engines.
 */
function wordsTest(match: { type: 'words'; words: string[] } | { type: 'prefix'; prefix: string }): ((w: Words) => boolean) | null {
  const words = normalizeWords(match.type === 'words' ? match.words.join(' ') : match.prefix);
  if (words.length === 0) return null;
  if (match.type === 'words') return (w) => w.hasPhrase(words);
  return (w) => w.hasPrefixPhrase(words);
}

// ---------------------------------------------------------------------------------------------
// The document as the engines see it
// ---------------------------------------------------------------------------------------------

/**
 * Runs of words, one per stored value. A phrase must lie within one run: this is the SQLite
 * engine's separator token between values and OpenSearch's position_increment_gap.
 */
class Words {
  private vocabulary: Set<string> | undefined;
  private sorted: string[] | undefined;

  constructor(private readonly runs: readonly (readonly string[])[]) {}

  hasPhrase(phrase: readonly string[]): boolean {
    const vocabulary = this.words();
    if (!phrase.every((w) => vocabulary.has(w))) return false;
    if (phrase.length === 1) return true;
    return this.runs.some((run) => findPhrase(run, phrase, (a, b) => a === b));
  }

  hasPrefixPhrase(phrase: readonly string[]): boolean {
    const prefix = phrase[phrase.length - 1] as string;
    if (!this.hasPrefix(prefix)) return false;
    if (phrase.length === 1) return true;
    const vocabulary = this.words();
    if (!phrase.slice(0, -1).every((w) => vocabulary.has(w))) return false;
    const last = phrase.length - 1;
    return this.runs.some((run) => findPhrase(run, phrase, (a, b, i) => (i === last ? a.startsWith(b) : a === b)));
  }

  private hasPrefix(prefix: string): boolean {
    // Sorted once per document and field: every word starting with `prefix` sorts right at or after it.
    this.sorted ??= [...this.words()].sort();
    const sorted = this.sorted;
    let low = 0;
    let high = sorted.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((sorted[mid] as string) < prefix) low = mid + 1;
      else high = mid;
    }
    return low < sorted.length && (sorted[low] as string).startsWith(prefix);
  }

  private words(): Set<string> {
    if (this.vocabulary === undefined) {
      this.vocabulary = new Set();
      for (const run of this.runs) for (const w of run) this.vocabulary.add(w);
    }
    return this.vocabulary;
  }
}

function findPhrase(
  run: readonly string[],
  phrase: readonly string[],
  same: (word: string, wanted: string, index: number) => boolean,
): boolean {
  const end = run.length - phrase.length;
  for (let i = 0; i <= end; i++) {
    let k = 0;
    while (k < phrase.length && same(run[i + k] as string, phrase[k] as string, k)) k++;
    if (k === phrase.length) return true;
  }
  return false;
}

interface People {
  /** Trimmed and lower-cased, empty ones left out. */
  addresses: Set<string>;
  /** Reversed domains (`com.example.`) of those addresses that have one. */
  rdomains: string[];
  /** One run per display name and one per local part. */
  words: Words;
}

class DocumentFields {
  private readonly textCache = new Map<TextKey, Words>();
  private readonly peopleCache = new Map<PeopleKey, People>();
  private extensionSet: Set<string> | undefined;

  constructor(private readonly doc: IndexDocument) {}

  text(key: TextKey): Words {
    let words = this.textCache.get(key);
    if (words === undefined) {
      const { doc } = this;
      const values = key === 'attachment' ? doc.attachmentNames : [key === 'subject' ? doc.subject : doc.body];
      words = new Words(values.map(normalizeWords));
      this.textCache.set(key, words);
    }
    return words;
  }

  people(key: PeopleKey): People {
    let people = this.peopleCache.get(key);
    if (people === undefined) {
      people = peopleOf(this.list(key));
      this.peopleCache.set(key, people);
    }
    return people;
  }

  /** Every dot-ending of every attachment name: `a.tar.gz` has `tar.gz` and `gz`. */
  extensions(): Set<string> {
    this.extensionSet ??= fileExtensions(this.doc.attachmentNames);
    return this.extensionSet;
  }

  private list(key: PeopleKey): readonly IndexedAddress[] {
    const { doc } = this;
    switch (key) {
      case 'envelope':
        return doc.envelopeRecipients.map((address) => ({ address, name: '' }));
      case 'custodian':
        return doc.custodians.map((address) => ({ address, name: '' }));
      default:
        return doc[key];
    }
  }
}

function peopleOf(list: readonly IndexedAddress[]): People {
  const addresses = new Set<string>();
  const rdomains = new Set<string>();
  const runs: string[][] = [];
  for (const { address, name } of list) {
    const lower = address.trim().toLowerCase();
    if (lower !== '') {
      addresses.add(lower);
      const rdomain = reversedDomain(domainOf(lower));
      if (rdomain !== '') rdomains.add(rdomain);
    }
    // Name and local part are separate runs: `from:"smith jsmith"` must not bridge them.
    runs.push(normalizeWords(name), normalizeWords(localPartOf(address)));
  }
  return { addresses, rdomains: [...rdomains], words: new Words(runs) };
}

function fileNameExtension(extension: string): string {
  return foldFileName(extension).replace(/^\./, '');
}
