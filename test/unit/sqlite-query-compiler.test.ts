import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteFtsIndex } from '../../adapters/embedded/sqlite-fts-index.js';
import { compileQuery, ftsString } from '../../adapters/embedded/sqlite-query-compiler.js';
import type { AddressField, QueryNode, TextField } from '../../shared/query/ast.js';
import { and, attachment, from, not, or, subject, to, word } from '../support/ast.js';
import { aDoc, person } from '../support/index-docs.js';

const HOSTILE = [
  `it's "quoted"`,
  '100%_done',
  'a*b',
  "'; DROP TABLE docs; --",
  '" OR 1=1 --',
  'x) OR (1',
  'NEAR(a b) NOT {body}:',
  '\\%\\_',
];

const span = { start: 1, end: 1 };

/** Every node that carries user text, built raw so nothing is cleaned before the compiler. */
function shapes(value: string): QueryNode[] {
  const textFields: TextField[] = ['any', 'subject', 'body', 'attachment'];
  const addressFields: AddressField[] = ['from', 'to', 'cc', 'bcc', 'participants', 'custodian'];
  return [
    ...textFields.map((field): QueryNode => ({ kind: 'text', field, match: { type: 'words', words: ['a', value] }, span })),
    ...textFields.map((field): QueryNode => ({ kind: 'text', field, match: { type: 'prefix', prefix: `p${value}` }, span })),
    { kind: 'text', field: 'attachment', match: { type: 'extension', extension: value }, span },
    ...addressFields.flatMap((field): QueryNode[] => [
      { kind: 'address', field, match: { type: 'exact', address: `${value}@${value}` }, span },
      { kind: 'address', field, match: { type: 'domain', domain: `${value}.com` }, span },
      { kind: 'address', field, match: { type: 'words', words: [value, 'b'] }, span },
      { kind: 'address', field, match: { type: 'prefix', prefix: `a${value}` }, span },
    ]),
    { kind: 'messageId', value, span },
  ];
}

describe('compileQuery', () => {
  it('keeps user text out of the SQL text: the SQL depends only on the shape of the query', () => {
    const benign = shapes('plain');
    for (const value of HOSTILE) {
      shapes(value).forEach((node, i) => {
        const { sql, params } = compileQuery(node);
        expect(sql).toBe(compileQuery(benign[i] as QueryNode).sql);
        expect(sql).not.toMatch(/['"%*;]|--|DROP/);
        expect(sql.split('?').length - 1).toBe(params.length);
      });
    }
  });

  it('passes exact values through parameters unchanged', () => {
    const value = HOSTILE[3] as string;
    expect(compileQuery({ kind: 'messageId', value, span }).params).toEqual([value]);
    const exact = compileQuery({ kind: 'address', field: 'to', match: { type: 'exact', address: '%_@a"b.com' }, span });
    expect(exact.params).toEqual(['%_@a"b.com']);
  });

  it('matches subdomains with an index range, never LIKE', () => {
    const { sql, params } = compileQuery({ kind: 'address', field: 'from', match: { type: 'domain', domain: 'Ex%_ample.com' }, span });
    expect(sql).not.toMatch(/LIKE/i);
    expect(params).toEqual(['com.ex%_ample.', 'com.ex%_ample/']);
  });

  it('quotes every word as an FTS5 string, doubling quotes', () => {
    expect(ftsString('a"b')).toBe('"a""b"');
    const { params } = compileQuery({ kind: 'text', field: 'any', match: { type: 'words', words: ['say', '"hi"'] }, span });
    expect(params).toEqual(['{subject body attachment} : "say hi"']);
  });

  it('folds AND, OR and NOT over one FTS table into one MATCH', () => {
    const query = and(word('a'), not(subject.words('b')), or(attachment.words('c'), word('d')), from.words('e'), not(to.words('f')));
    const { sql, params } = compileQuery(query);
    expect(sql.match(/MATCH/g)).toHaveLength(2);
    expect(params).toEqual([
      '(({subject body attachment} : "a") AND (({attachment} : "c") OR ({subject body attachment} : "d"))) NOT ({subject} : "b")',
      '({from_w} : "e") NOT ({to_w} : "f")',
    ]);
  });

  it('runs hostile queries without SQL or FTS5 errors and finds exact values', async () => {
    const index = new SqliteFtsIndex(new Database(':memory:'));
    try {
      const tricky = HOSTILE[4] as string;
      await index.index([
        aDoc('m', { messageId: tricky, subject: tricky, to: [person('o%_x@ex_ample.com', 'O"Brien')] }),
        aDoc('other', { to: [person('oax@exxample.com')] }),
      ]);
      for (const value of HOSTILE) {
        for (const query of shapes(value)) {
          await expect(index.search({ query, limit: 10, sort: 'sent:desc' })).resolves.toBeDefined();
        }
      }
      const ids = async (query: QueryNode) => (await index.search({ query, limit: 10, sort: 'sent:asc' })).ids;
      expect(await ids({ kind: 'messageId', value: tricky, span })).toEqual(['m']);
      expect(await ids({ kind: 'address', field: 'to', match: { type: 'exact', address: 'o%_x@ex_ample.com' }, span })).toEqual(['m']);
      expect(await ids({ kind: 'address', field: 'to', match: { type: 'domain', domain: 'ex_ample.com' }, span })).toEqual(['m']);
      expect(await ids({ kind: 'text', field: 'subject', match: { type: 'words', words: ['or', '1', '1'] }, span })).toEqual(['m']);
    } finally {
      index.close();
    }
  });
});
