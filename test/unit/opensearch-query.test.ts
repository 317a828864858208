import { describe, expect, it } from 'vitest';
import { compileQuery } from '../../adapters/aws/opensearch-query.js';
import type { Dsl } from '../../adapters/aws/opensearch-query.js';
import type { AddressField, QueryNode, TextField } from '../../shared/query/ast.js';
import { all, and, attachment, from, hasAttachment, messageId, not, or, participants, range, word } from '../support/ast.js';

const HOSTILE = [
  `it's "quoted"`,
  'a*b?c',
  '\\"\\\\*',
  '{"query_string":{"query":"*:*"}}',
  '{"script":{"source":"ctx._source.x = 1"}}',
  '" OR _id:* OR "',
  'title:(a OR b) AND NOT c~2 /re.*x/',
  '${jndi:ldap://x}',
  'x'.repeat(100_000),
];

const span = { start: 1, end: 1 };

/** Every node that carries user text, built raw so nothing is cleaned before the compiler. */
function shapes(value: string): QueryNode[] {
  const textFields: TextField[] = ['any', 'subject', 'body', 'attachment'];
  const addressFields: AddressField[] = ['from', 'to', 'cc', 'bcc', 'participants', 'custodian'];
  return [
    ...textFields.map((field): QueryNode => ({ kind: 'text', field, match: { type: 'words', words: ['a', value] }, span })),
    ...textFields.map((field): QueryNode => ({ kind: 'text', field, match: { type: 'prefix', prefix: `p${value}` }, span })),
    { kind: 'text', field: 'attachment', match: { type: 'extension', extension: `e${value}` }, span },
    ...addressFields.flatMap((field): QueryNode[] => [
      { kind: 'address', field, match: { type: 'exact', address: `${value}@${value}` }, span },
      { kind: 'address', field, match: { type: 'domain', domain: `${value}.com` }, span },
      { kind: 'address', field, match: { type: 'words', words: [value, 'b'] }, span },
      { kind: 'address', field, match: { type: 'prefix', prefix: `a${value}` }, span },
    ]),
    { kind: 'messageId', value, span },
  ];
}

/** Every object key in the DSL, and every string in it with the key it sits under. */
function walk(dsl: unknown, keys: Set<string>, strings: [key: string, value: string][], parent = ''): void {
  if (typeof dsl === 'string') strings.push([parent, dsl]);
  else if (Array.isArray(dsl)) for (const item of dsl) walk(item, keys, strings, parent);
  else if (dsl !== null && typeof dsl === 'object') {
    for (const [key, value] of Object.entries(dsl)) {
      keys.add(key);
      walk(value, keys, strings, key);
    }
  }
}

const FORBIDDEN = ['query_string', 'simple_query_string', 'script', 'script_score', 'wrapper', 'regexp', 'wildcard', 'fuzzy', 'template'];

/** Replaces every value slot with a placeholder: what is left is the shape of the query. */
function shape(dsl: Dsl): unknown {
  return JSON.parse(JSON.stringify(dsl), (key, value: unknown) => (key === 'value' || key === 'query' ? '?' : value));
}

describe('compileQuery (OpenSearch)', () => {
  it('puts user text only in value slots: no query parser, no script, no field name ever sees it', () => {
    for (const value of HOSTILE) {
      // The same separators and number of words, with every word made harmless.
      const benign = shapes(value.replace(/[\p{L}\p{N}]+/gu, 'w'));
      shapes(value).forEach((node, i) => {
        const dsl = compileQuery(node);
        const keys = new Set<string>();
        const strings: [string, string][] = [];
        walk(dsl, keys, strings);
        for (const forbidden of FORBIDDEN) expect(keys).not.toContain(forbidden);
        // Field names and query types come from the compiler; user text only under value or query.
        for (const [key] of strings) expect(['value', 'query']).toContain(key);
        expect(shape(dsl)).toEqual(shape(compileQuery(benign[i] as QueryNode)));
      });
    }
  });

  it('passes exact values through unchanged, as plain strings', () => {
    for (const value of HOSTILE) {
      expect(compileQuery(messageId(value))).toEqual({ term: { message_id: { value } } });
    }
    const json = HOSTILE[3] as string;
    expect(compileQuery(from.exact(` ${json}@X.com `))).toEqual({
      term: { from_address: { value: `${json.toLowerCase()}@x.com` } },
    });
  });

  it('words are normalized as the index stores them; punctuation never reaches OpenSearch', () => {
    expect(compileQuery({ kind: 'text', field: 'body', match: { type: 'words', words: [`"Café*"`, '\\x'] }, span })).toEqual({
      match_phrase: { body: { query: 'cafe x', slop: 0 } },
    });
    expect(compileQuery({ kind: 'text', field: 'subject', match: { type: 'prefix', prefix: 'Contr*' }, span })).toEqual({
      prefix: { subject: { value: 'contr' } },
    });
  });

  it('a bare word is a phrase in subject, body or attachment names', () => {
    expect(compileQuery(word('merger agreement'))).toEqual({
      bool: {
        should: [
          { match_phrase: { subject: { query: 'merger agreement', slop: 0 } } },
          { match_phrase: { body: { query: 'merger agreement', slop: 0 } } },
          { match_phrase: { attachment: { query: 'merger agreement', slop: 0 } } },
        ],
        minimum_should_match: 1,
      },
    });
  });

  it('a value without words matches nothing, and its negation everything', () => {
    const none: QueryNode = { kind: 'text', field: 'any', match: { type: 'words', words: ['***'] }, span };
    expect(compileQuery(none)).toEqual({ match_none: {} });
    expect(compileQuery(from.exact('  '))).toEqual({ match_none: {} });
    expect(compileQuery(from.domain('.'))).toEqual({ match_none: {} });
    expect(compileQuery(attachment.extension('.'))).toEqual({ match_none: {} });
    expect(compileQuery(not(none))).toEqual({ bool: { must_not: [{ match_none: {} }] } });
  });

  it('domains match the domain and its subdomains through a reversed-domain prefix', () => {
    expect(compileQuery(participants.domain('@Mail.Example.COM'))).toEqual({
      prefix: { participants_rdomain: { value: 'com.example.mail.' } },
    });
  });

  it('extensions are folded and looked up as one term', () => {
    expect(compileQuery(attachment.extension('.PDF'))).toEqual({ term: { attachment_ext: { value: 'pdf' } } });
    expect(compileQuery(attachment.extension('tar.gz'))).toEqual({ term: { attachment_ext: { value: 'tar.gz' } } });
  });

  it('maps all, and, or, not and ranges to bool clauses', () => {
    expect(compileQuery(all())).toEqual({ match_all: {} });
    expect(compileQuery(and())).toEqual({ match_all: {} });
    expect(compileQuery(or())).toEqual({ match_none: {} });
    expect(compileQuery(and(hasAttachment()))).toEqual({ term: { has_attachment: { value: true } } });
    expect(compileQuery(and(hasAttachment(), not(messageId('x')), not(range('size', {}))))).toEqual({
      bool: {
        filter: [{ term: { has_attachment: { value: true } } }],
        must_not: [{ term: { message_id: { value: 'x' } } }, { match_all: {} }],
      },
    });
    expect(compileQuery(and(not(hasAttachment())))).toEqual({
      bool: { must_not: [{ term: { has_attachment: { value: true } } }] },
    });
    expect(compileQuery(range('sent', { min: 1, max: 2 }))).toEqual({ range: { sent: { gte: 1, lte: 2 } } });
    expect(compileQuery(range('size', { max: 2 }))).toEqual({ range: { size: { lte: 2 } } });
  });

  it('a prefix of several words keeps them adjacent with span queries', () => {
    expect(compileQuery({ kind: 'text', field: 'body', match: { type: 'prefix', prefix: 'merger ag' }, span })).toEqual({
      span_near: {
        clauses: [{ span_term: { body: { value: 'merger' } } }, { span_multi: { match: { prefix: { body: { value: 'ag' } } } } }],
        slop: 0,
        in_order: true,
      },
    });
  });
});
