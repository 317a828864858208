import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitMbox } from '../../local/import/mbox.js';
import type { MboxPart } from '../../local/import/mbox.js';
import { readImportSources } from '../../local/import/sources.js';
import type { ImportEvent, ImportItem } from '../../local/import/sources.js';
import { looksLikeHeaderBlock } from '../../local/import/walk.js';
import { corpusPath } from '../support/corpus.js';

const CORPUS = corpusPath('fixtures');

/** latin1 keeps every char code as one byte, so 8-bit bytes can be written inline. */
const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');

async function collect(paths: string[]): Promise<ImportEvent[]> {
  const events: ImportEvent[] = [];
  for await (const event of readImportSources(paths)) events.push(event);
  return events;
}

async function readItem(item: ImportItem): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of item.open()) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

async function parts(source: AsyncIterable<Uint8Array>): Promise<MboxPart[]> {
  const out: MboxPart[] = [];
  for await (const part of splitMbox(source)) out.push(part);
  return out;
}

function partBytes(part: MboxPart): Buffer {
  return part.type === 'message' ? Buffer.concat([part.separator, part.message, part.gap]) : part.bytes;
}

async function* chunked(data: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

function messages(events: ImportEvent[]): ImportItem[] {
  return events.flatMap((e) => (e.type === 'message' ? [e.item] : []));
}

/** Messages of a test mbox: 8-bit header, quoted From lines, a body From line not after a blank line. */
function mboxMessages(eol: string): Buffer[] {
  return [
    [
      'From: alice@example.com',
      'Subject: caf\xe9 \xff\xfe 8-bit',
      '',
      'Hello',
      '>From a quoted line',
      '>>From a doubly quoted line',
      'From a body line that does not follow a blank line',
      '',
    ],
    ['From: bob@example.com', 'Subject: two', '', 'ends with a blank line that belongs to it', '', ''],
    ['From: carol@example.com', 'Subject: three', '', 'last', ''],
  ].map((lines) => bytes(lines.join(eol)));
}

function separator(n: number, eol: string): Buffer {
  return bytes(`From sender${n}@example.com Mon Jan  1 00:00:0${n} 2024${eol}`);
}

function buildMbox(msgs: Buffer[], eol: string): Buffer {
  return Buffer.concat(msgs.flatMap((m, i) => [separator(i + 1, eol), m, bytes(eol)]));
}

describe('splitMbox', () => {
  for (const [name, eol] of [
    ['LF', '\n'],
    ['CRLF', '\r\n'],
  ] as const) {
    it(`splits a ${name} mbox byte-exact, without un-quoting, across any chunk boundary`, async () => {
      const msgs = mboxMessages(eol);
      const file = buildMbox(msgs, eol);
      for (const size of [1, 3, 7, file.length]) {
        const split = await parts(chunked(file, size));
        expect(split.map((p) => (p.type === 'message' ? p.message : null))).toEqual(msgs);
        expect(split.map((p) => (p.type === 'message' ? p.gap : null))).toEqual(msgs.map(() => bytes(eol)));
        expect(Buffer.concat(split.map(partBytes)).equals(file)).toBe(true);
      }
    });
  }

  it('keeps bytes before the first separator as a message unless they are blank', async () => {
    const single = bytes('From: a@example.com\n\nno separator line\n');
    const [only, ...rest] = await parts(chunked(single, 5));
    expect(rest).toEqual([]);
    expect(only).toEqual({ type: 'message', separator: Buffer.alloc(0), message: single, gap: Buffer.alloc(0) });

    const padded = bytes('\n\nFrom x\nA: b\n');
    const split = await parts(chunked(padded, 2));
    expect(split.map((p) => p.type)).toEqual(['blank', 'message']);
    expect(Buffer.concat(split.map(partBytes)).equals(padded)).toBe(true);
  });

  it('accepts a BOM before the first separator and a last line without terminator', async () => {
    const file = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes('From -\nA: b\n\nbody without newline')]);
    const split = await parts(chunked(file, 4));
    expect(split).toHaveLength(1);
    const [part] = split;
    expect(part?.type === 'message' && part.separator.length).toBe(10);
    expect(part?.type === 'message' && part.message.toString('latin1')).toBe('A: b\n\nbody without newline');
  });

  it('treats a From line right after a separator as body, and an empty message as a message', async () => {
    const split = await parts(chunked(bytes('From a\n\nFrom b\nFrom c\n'), 64));
    expect(split.map((p) => (p.type === 'message' ? p.message.toString('latin1') : p.type))).toEqual(['', 'From c\n']);
  });
});

describe('looksLikeHeaderBlock', () => {
  it('wants field lines up to the blank line, with at least one mail field', () => {
    expect(looksLikeHeaderBlock(bytes('Received: from x\n\tby y\nSubject: \xe9\n\nbody'))).toBe(true);
    expect(looksLikeHeaderBlock(bytes('name: coffer\nversion: 1\n\n'))).toBe(false);
    expect(looksLikeHeaderBlock(bytes('Note: this is\nprose text\n'))).toBe(false);
    expect(looksLikeHeaderBlock(bytes(' Subject: indented\n\n'))).toBe(false);
    expect(looksLikeHeaderBlock(Buffer.from([0x78, 0x9f, 0x3e, 0x22, 0x0a]))).toBe(false);
  });
});

describe('readImportSources', () => {
  let root: string;
  const lfMsgs = mboxMessages('\n');
  const crlfMsgs = mboxMessages('\r\n');
  const eml = bytes('From: dave@example.com\nSubject: r\xe9sum\xe9\n\nbody\n');

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'coffer-import-'));
    const tree = path.join(root, 'tree');
    const put = async (rel: string, data: string | Buffer): Promise<void> => {
      await mkdir(path.dirname(path.join(tree, rel)), { recursive: true });
      await writeFile(path.join(tree, rel), data);
    };
    await put('a.eml', eml);
    await put('box.mbox', buildMbox(lfMsgs, '\n'));
    await put('crlf.mbox', buildMbox(crlfMsgs, '\r\n'));
    await put('archive', buildMbox(lfMsgs.slice(0, 2), '\n'));
    await put('b/nested/c.eml', eml);
    await put('dir.eml/d.eml', eml);
    await put('headers-only', 'From: e@example.com\nSubject: no extension\n\nbody\n');
    await put('saved.txt', 'Date: Mon, 1 Jan 2024 00:00:00 +0000\nSubject: saved as text\n\nbody\n');
    await put('notes.txt', 'Shopping list: eggs\nmilk\n');
    await put('README', '# Coffer test tree\n\nNot mail.\n');
    await put('LICENSE', 'Permission is hereby granted, free of charge, to any person\n');
    await put('settings', 'name: coffer\nversion: 1\n');
    await put('summary.json', '{"from": "x"}\n');
    await put('.hidden.eml', eml);
    await put('.git/config', '[core]\n');
    await put('empty.eml', '');
    await put('empty.mbox', '');
    await put('Maildir/cur/1.host:2,S', 'x\n');
    await put('Maildir/new/2.host', 'not mail-shaped, but maildir says it is\n');
    await put('Maildir/tmp/3.host', 'half delivered');
    await put('Maildir/.Sub/cur/4.host', eml);
    await put('Maildir/.uidvalidity', '1 1\n');
    await symlink(path.join(tree, 'missing.eml'), path.join(tree, 'broken.eml'));
    await symlink(path.join(tree, 'a.eml'), path.join(tree, 'link.eml'));
    await symlink(tree, path.join(tree, 'loop'));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('walks a directory in sorted order, deciding every entry', async () => {
    const tree = path.join(root, 'tree');
    const events = await collect([tree]);
    const summary = events.map((e) => {
      const where = e.type === 'message' ? e.item.origin : e.path;
      return `${e.type} ${path.relative(tree, where)}`;
    });
    expect(summary).toEqual([
      'skipped .git',
      'skipped .hidden.eml',
      'skipped LICENSE',
      'message Maildir/.Sub/cur/4.host',
      'skipped Maildir/.uidvalidity',
      'message Maildir/cur/1.host:2,S',
      'message Maildir/new/2.host',
      'skipped Maildir/tmp',
      'skipped README',
      'message a.eml',
      'message archive#1',
      'message archive#2',
      'message b/nested/c.eml',
      'message box.mbox#1',
      'message box.mbox#2',
      'message box.mbox#3',
      'error broken.eml',
      'message crlf.mbox#1',
      'message crlf.mbox#2',
      'message crlf.mbox#3',
      'message dir.eml/d.eml',
      'error empty.eml',
      'error empty.mbox',
      'message headers-only',
      'message link.eml',
      'skipped loop',
      'skipped notes.txt',
      'message saved.txt',
      'skipped settings',
      'skipped summary.json',
    ]);
    for (const e of events) if (e.type !== 'message') expect(e.reason).not.toBe('');
  });

  it('yields exact bytes, re-openable, with the right size', async () => {
    const tree = path.join(root, 'tree');
    const items = new Map(messages(await collect([tree])).map((i) => [path.relative(tree, i.origin), i]));
    const expected: [string, Buffer][] = [
      ['a.eml', eml],
      ['link.eml', eml],
      ['Maildir/cur/1.host:2,S', bytes('x\n')],
      ...lfMsgs.map((m, i): [string, Buffer] => [`box.mbox#${i + 1}`, m]),
      ...crlfMsgs.map((m, i): [string, Buffer] => [`crlf.mbox#${i + 1}`, m]),
    ];
    for (const [origin, want] of expected) {
      const item = items.get(origin);
      expect(item, origin).toBeDefined();
      if (!item) continue;
      expect(item.size, origin).toBe(want.length);
      for (let i = 0; i < 3; i += 1) expect((await readItem(item)).equals(want), origin).toBe(true);
    }
  });

  it('streams a plain file instead of loading it', async () => {
    const big = path.join(root, 'big.eml');
    await writeFile(big, Buffer.concat([eml, Buffer.alloc(1 << 20, 0x61)]));
    const [item] = messages(await collect([big]));
    expect(item?.size).toBe(eml.length + (1 << 20));
    let chunks = 0;
    for await (const _chunk of item?.open() ?? []) chunks += 1;
    expect(chunks).toBeGreaterThan(1);
  });

  it('imports files named explicitly whatever they look like, and goes on after errors', async () => {
    const tree = path.join(root, 'tree');
    const fromEml = path.join(root, 'envelope.eml');
    await writeFile(fromEml, buildMbox(lfMsgs, '\n'));
    const events = await collect([
      path.join(root, 'does-not-exist'),
      path.join(tree, 'README'),
      path.join(tree, '.hidden.eml'),
      path.join(tree, 'broken.eml'),
      path.join(tree, 'archive'),
      fromEml,
      path.join(tree, 'Maildir', 'cur'),
    ]);
    expect(events.map((e) => (e.type === 'message' ? path.basename(e.item.origin) : `${e.type} ${path.basename(e.path)}`))).toEqual([
      'error does-not-exist',
      'README',
      '.hidden.eml',
      'error broken.eml',
      'archive#1',
      'archive#2',
      // An .eml is one message even when it opens with a `From ` line.
      'envelope.eml',
      '1.host:2,S',
    ]);
    const [readme] = messages(events);
    expect(readme && (await readItem(readme)).toString('latin1')).toBe('# Coffer test tree\n\nNot mail.\n');
  });

  it('walks a directory only once when it is named twice', async () => {
    const nested = path.join(root, 'tree', 'b');
    const events = await collect([nested, path.join(nested, 'nested')]);
    expect(events.map((e) => e.type)).toEqual(['message', 'skipped']);
  });
});

describe('readImportSources over the fixture corpus', () => {
  let events: ImportEvent[];
  let files: string[];

  beforeAll(async () => {
    events = await collect([CORPUS]);
    files = (await readdir(CORPUS, { recursive: true, withFileTypes: true }))
      .filter((d) => d.isFile())
      .map((d) => path.join(d.parentPath, d.name));
  });

  it('finds every .eml and at least one message in every .mbox, with no errors', () => {
    const origins = new Set(messages(events).map((i) => i.origin));
    expect(files.filter((f) => f.endsWith('.eml'))).toHaveLength(1158);
    expect([...origins].filter((o) => o.endsWith('.eml'))).toHaveLength(1158);
    const mboxes = files.filter((f) => f.endsWith('.mbox'));
    expect(mboxes.length).toBeGreaterThan(0);
    for (const mbox of mboxes) expect(origins.has(`${mbox}#1`), mbox).toBe(true);
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
  });

  it('skips the SOURCES.tsv, summary.json and _provenance files', () => {
    const skipped = new Set(events.flatMap((e) => (e.type === 'skipped' ? [e.path] : [])));
    const bookkeeping = files.filter((f) => /\/(SOURCES\.tsv|summary\.json)$|\/_provenance\//.test(f));
    expect(bookkeeping.length).toBeGreaterThan(0);
    for (const f of bookkeeping) expect(skipped.has(f), f).toBe(true);
  });

  it('splits every corpus mbox losslessly', async () => {
    for (const mbox of files.filter((f) => f.endsWith('.mbox'))) {
      const split = await parts(createReadStream(mbox, { highWaterMark: 997 }));
      expect(split.some((p) => p.type === 'message'), mbox).toBe(true);
      expect(Buffer.concat(split.map(partBytes)).equals(await readFile(mbox)), mbox).toBe(true);
    }
  });
});
