/**
 * How an IndexDocument is stored in OpenSearch, and the explicit mapping that stores it. The
 * query compiler (opensearch-query.ts) and the index (opensearch-index.ts) both read their field
 * names from here, so the two sides cannot drift.
 *
 * Text is split into words in JS with `normalizeWords` — the one definition every engine shares —
 * and stored as those words joined by single spaces, under an analyzer that only splits on
 * whitespace: OpenSearch never re-folds, stems or splits what we folded. Values that must not be
 * bridged by a phrase (two attachment names, two recipients, a name and its local part) are
 * separate array values; `position_increment_gap` keeps their positions far apart, as the
 * SQLite engine's separator token does.
 *
 * The conventions shared with the SQLite engine (reversed domains, folded file names) come from
 * its compiler, so that "a subdomain" and "an extension" mean the same thing in both.
 */
import { normalizeWords } from '../../shared/query/text.js';
import type { IndexDocument, IndexedAddress, IndexPeople } from '../../shared/ports/search-index.js';
import { domainOf, fileExtensions, localPartOf, reversedDomain } from '../../shared/query/text.js';

/** Bump with any mapping change; the index behind the alias is `<alias>-v<version>`. */
export const MAPPING_VERSION = 1;

/**
 * OpenSearch's built-in `whitespace` analyzer: splits on whitespace only, no lower-casing, no
 * stemming — we already folded. (Built in, not a custom analyzer: a custom whitespace tokenizer
 * needs the analysis-common module, which a minimal distribution does not have.) It cuts a word
 * longer than 255 characters into 255-character pieces, at index and query time alike, so a
 * phrase still finds such a word whole, and Lucene's limit on term length is never reached.
 */
export const WORDS_ANALYZER = 'whitespace';

/**
 * Far more than any phrase: a phrase with slop 0 can never cross from one value into the next.
 * (OpenSearch's default is also 100; it is spelled out because correctness depends on it.)
 */
export const POSITION_GAP = 100;

/** Text fields of the message itself. */
export const TEXT_FIELDS = {
  subject: 'subject',
  body: 'body',
  attachment: 'attachment',
} as const;

export type PeopleKey = 'from' | 'sender' | 'to' | 'cc' | 'bcc' | 'envelope' | 'custodian';

/** Per people key: exact lower-cased addresses, their reversed domains, and name/local-part words. */
export interface PeopleFields {
  address: string;
  rdomain: string;
  words: string;
}

const PEOPLE_KEYS: readonly PeopleKey[] = ['from', 'sender', 'to', 'cc', 'bcc', 'envelope', 'custodian'];

export function peopleFields(key: PeopleKey | 'participants'): PeopleFields {
  return { address: `${key}_address`, rdomain: `${key}_rdomain`, words: `${key}_words` };
}

/** Every key but custodian is copied (by the mapping, `copy_to`) into the participants fields. */
const IN_PARTICIPANTS: Record<PeopleKey, boolean> = {
  from: true,
  sender: true,
  to: true,
  cc: true,
  bcc: true,
  envelope: true,
  custodian: false,
};

export const FIELD = {
  id: 'id',
  sent: 'sent',
  received: 'received',
  size: 'size',
  hasAttachment: 'has_attachment',
  messageId: 'message_id',
  /** Every dot-suffix of every attachment name, folded: `a.tar.gz` → `tar.gz`, `gz`. */
  extension: 'attachment_ext',
} as const;

/** Keyword values longer than this are kept in _source but not indexed, instead of failing the document. */
const MAX_KEYWORD_CHARS = 8191;

const keyword = { type: 'keyword', ignore_above: MAX_KEYWORD_CHARS } as const;
const words = {
  type: 'text',
  analyzer: WORDS_ANALYZER,
  index_options: 'positions',
  position_increment_gap: POSITION_GAP,
  // Results are sorted by date, never ranked: no length norms to store.
  norms: false,
} as const;

export interface IndexSettings {
  shards?: number;
  replicas?: number;
  /** How soon a write is searchable; `index` waits for it (OpenSearch's default is 1s). */
  refreshInterval?: string;
}

/** The body of the create-index request for `<alias>-v<MAPPING_VERSION>`. */
export function indexDefinition(settings: IndexSettings = {}): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    [FIELD.id]: { type: 'keyword' },
    [FIELD.sent]: { type: 'long' },
    [FIELD.received]: { type: 'long' },
    [FIELD.size]: { type: 'long' },
    [FIELD.hasAttachment]: { type: 'boolean' },
    [FIELD.messageId]: keyword,
    [FIELD.extension]: keyword,
    [TEXT_FIELDS.subject]: words,
    [TEXT_FIELDS.body]: words,
    [TEXT_FIELDS.attachment]: words,
  };
  const participants = peopleFields('participants');
  properties[participants.address] = keyword;
  properties[participants.rdomain] = keyword;
  properties[participants.words] = words;
  for (const key of PEOPLE_KEYS) {
    const f = peopleFields(key);
    const copy = (target: string) => (IN_PARTICIPANTS[key] ? { copy_to: target } : {});
    properties[f.address] = { ...keyword, ...copy(participants.address) };
    properties[f.rdomain] = { ...keyword, ...copy(participants.rdomain) };
    properties[f.words] = { ...words, ...copy(participants.words) };
  }
  const index: Record<string, unknown> = {};
  if (settings.shards !== undefined) index.number_of_shards = settings.shards;
  if (settings.replicas !== undefined) index.number_of_replicas = settings.replicas;
  if (settings.refreshInterval !== undefined) index.refresh_interval = settings.refreshInterval;
  return {
    settings: {
      index,
    },
    mappings: {
      dynamic: 'strict',
      _meta: { coffer_mapping_version: MAPPING_VERSION },
      properties,
    },
  };
}

/** The stored document: everything a query can ask about, nothing else. */
export function documentSource(doc: IndexDocument): Record<string, unknown> {
  return {
    [FIELD.id]: doc.id,
    [FIELD.sent]: doc.sent,
    [FIELD.received]: doc.received,
    [FIELD.size]: doc.size,
    [FIELD.hasAttachment]: doc.hasAttachment,
    [FIELD.messageId]: doc.messageId,
    [FIELD.extension]: [...fileExtensions(doc.attachmentNames)],
    [TEXT_FIELDS.subject]: wordsOf(doc.subject),
    [TEXT_FIELDS.body]: wordsOf(doc.body),
    [TEXT_FIELDS.attachment]: doc.attachmentNames.map(wordsOf).filter((w) => w !== ''),
    ...peopleSource(doc),
  };
}

/** The people fields alone: a partial update with these replaces every one of them. */
export function peopleSource(p: IndexPeople): Record<string, string[]> {
  const lists: Record<PeopleKey, IndexedAddress[]> = {
    from: p.from,
    sender: p.sender,
    to: p.to,
    cc: p.cc,
    bcc: p.bcc,
    envelope: p.envelopeRecipients.map((address) => ({ address, name: '' })),
    custodian: p.custodians.map((address) => ({ address, name: '' })),
  };
  const source: Record<string, string[]> = {};
  for (const key of PEOPLE_KEYS) {
    const f = peopleFields(key);
    const addresses = new Set<string>();
    const rdomains = new Set<string>();
    const segments: string[] = [];
    for (const { address, name } of lists[key]) {
      const lower = address.trim().toLowerCase();
      if (lower !== '') {
        addresses.add(lower);
        const rdomain = reversedDomain(domainOf(lower));
        if (rdomain !== '') rdomains.add(rdomain);
      }
      // Name and local part are separate values: `from:"smith jsmith"` must not bridge them.
      for (const segment of [wordsOf(name), wordsOf(localPartOf(address))]) {
        if (segment !== '') segments.push(segment);
      }
    }
    source[f.address] = [...addresses];
    source[f.rdomain] = [...rdomains];
    source[f.words] = segments;
  }
  return source;
}

/** Words exactly as a query compiles them: folded, split by `normalizeWords`, joined by spaces. */
export function wordsOf(text: string): string {
  return normalizeWords(text).join(' ');
}

