/**
 * The SearchIndex contract (QUERY.md): every engine returns exactly these sets of ids. Each
 * test indexes its own few documents, including the near misses that must stay out.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { QueryNode } from '../../shared/query/ast.js';
import type { IndexDocument, SearchIndex, SearchSort } from '../../shared/ports/search-index.js';
import {
  addressFields,
  all,
  and,
  attachment,
  bcc,
  body,
  cc,
  custodian,
  from,
  hasAttachment,
  messageId,
  not,
  or,
  participants,
  phrase,
  prefix,
  range,
  subject,
  to,
  word,
} from '../support/ast.js';
import { T0, aDoc, noPeople, person } from '../support/index-docs.js';

const DAY = 86_400_000;

export function searchIndexContract(
  name: string,
  make: () => Promise<{ index: SearchIndex; cleanup(): Promise<void> }>,
): void {
  describe(`SearchIndex contract: ${name}`, () => {
    let index: SearchIndex;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ index, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup();
    });

    const given = (...docs: IndexDocument[]) => index.index(docs);

    /** The full matching set, in any order, and a total that agrees with it. */
    async function idsOf(query: QueryNode): Promise<string[]> {
      const result = await index.search({ query, limit: 500, sort: 'sent:desc' });
      expect(result.total).toBe(result.ids.length);
      return [...result.ids].sort();
    }

    async function expectMatches(query: QueryNode, expected: string[]): Promise<void> {
      expect(await idsOf(query)).toEqual([...expected].sort());
    }

    describe('text', () => {
      it('a bare word matches subject, body and attachment names, not people or other fields', async () => {
        await given(
          aDoc('subject', { subject: 'Budget for Q3' }),
          aDoc('body', { body: 'see the budget, please' }),
          aDoc('attachment', { attachmentNames: ['Budget-2024.xlsx'], hasAttachment: true }),
          aDoc('people', { from: [person('budget@corp.example', 'Budget Office')] }),
          aDoc('messageid', { messageId: 'budget@corp.example' }),
          aDoc('none', { subject: 'budgetary', body: 'nothing here' }),
        );
        await expectMatches(word('budget'), ['subject', 'body', 'attachment']);
      });

      it('subject:, body: and attachment: match only their field', async () => {
        await given(
          aDoc('s', { subject: 'invoice' }),
          aDoc('b', { body: 'invoice' }),
          aDoc('a', { attachmentNames: ['invoice.pdf'], hasAttachment: true }),
        );
        await expectMatches(subject.words('invoice'), ['s']);
        await expectMatches(body.words('invoice'), ['b']);
        await expectMatches(attachment.words('invoice'), ['a']);
        await expectMatches(body.prefix('inv'), ['b']);
      });

      it('does not stem: contract does not match contracts', async () => {
        await given(
          aDoc('singular', { subject: 'the contract' }),
          aDoc('plural', { subject: 'the contracts' }),
          aDoc('other', { subject: 'contractor' }),
        );
        await expectMatches(word('contract'), ['singular']);
        await expectMatches(word('contracts'), ['plural']);
      });

      it('ignores case and diacritics on both sides', async () => {
        await given(
          aDoc('accented', { body: 'Meet at the Café' }),
          aDoc('plain', { body: 'meet at the CAFE' }),
          aDoc('other', { body: 'cafeteria' }),
        );
        await expectMatches(word('cafe'), ['accented', 'plain']);
        await expectMatches(word('café'), ['accented', 'plain']);
      });

      it('keeps non-ASCII words whole', async () => {
        await given(
          aDoc('german', { body: 'Die Größe der Straßenbahn' }),
          aDoc('russian', { body: 'Привет, мир' }),
          aDoc('japanese', { subject: '東京都 会議' }),
          aDoc('cherokee', { body: 'ᏣᎳᎩ ᎦᏬᏂᎯᏍᏗ' }),
        );
        await expectMatches(word('größe'), ['german']);
        await expectMatches(word('straßenbahn'), ['german']);
        await expectMatches(word('bahn'), []);
        await expectMatches(word('мир'), ['russian']);
        await expectMatches(phrase('привет мир'), ['russian']);
        await expectMatches(word('東京都'), ['japanese']);
        await expectMatches(word('東京'), []);
        await expectMatches(prefix('東京'), ['japanese']);
        await expectMatches(word('ᏣᎳᎩ'), ['cherokee']);
        await expectMatches(prefix('grö'), ['german']);
      });

      it('a phrase needs its words adjacent, in order, in one field', async () => {
        await given(
          aDoc('adjacent', { body: 'the merger agreement is signed' }),
          aDoc('punctuated', { subject: 'Re: merger-agreement' }),
          aDoc('reversed', { body: 'the agreement on the merger' }),
          aDoc('apart', { body: 'merger and agreement' }),
          aDoc('across-fields', { subject: 'merger', body: 'agreement' }),
          aDoc('across-attachments', {
            attachmentNames: ['merger.docx', 'agreement.xlsx'],
            hasAttachment: true,
          }),
        );
        await expectMatches(phrase('merger agreement'), ['adjacent', 'punctuated']);
        await expectMatches(phrase('docx agreement'), []);
        await expectMatches(attachment.words('merger docx'), ['across-attachments']);
      });

      it('a prefix matches words starting with it, not inside words', async () => {
        await given(
          aDoc('contract', { body: 'contract' }),
          aDoc('contracts', { subject: 'contracts' }),
          aDoc('contrary', { attachmentNames: ['contrary.txt'], hasAttachment: true }),
          aDoc('inside', { body: 'encontrar' }),
          aDoc('short', { body: 'con' }),
        );
        await expectMatches(prefix('contr'), ['contract', 'contracts', 'contrary']);
        await expectMatches(prefix('contract'), ['contract', 'contracts']);
      });
    });

    describe('addresses', () => {
      const fields = ['from', 'to', 'cc', 'bcc'] as const;
      for (const field of fields) {
        it(`${field}: matches exact address, domain, subdomain, name word, local-part word and prefix`, async () => {
          const inField = (id: string, address: string, name = '') =>
            aDoc(id, { [field]: [person(address, name)] });
          const other = fields.find((f) => f !== field) ?? 'from';
          await given(
            inField('exact', 'alice.smith@example.com', 'Alice Smith'),
            inField('sub', 'bob@mail.example.com', 'Bob Jones'),
            inField('look-alike', 'carol@notexample.com', 'Carol'),
            inField('suffixed', 'dave@example.com.evil.org', 'Dave'),
            aDoc('other-field', { [other]: [person('alice.smith@example.com', 'Alice Smith')] }),
          );
          const q = addressFields[field];
          await expectMatches(q.exact('alice.smith@example.com'), ['exact']);
          await expectMatches(q.exact('smith@example.com'), []);
          await expectMatches(q.domain('example.com'), ['exact', 'sub']);
          await expectMatches(q.domain('mail.example.com'), ['sub']);
          await expectMatches(q.domain('ample.com'), []);
          await expectMatches(q.words('jones'), ['sub']);
          await expectMatches(q.words('smith'), ['exact']);
          await expectMatches(q.words('bob'), ['sub']);
          await expectMatches(q.words('example'), []);
          await expectMatches(q.prefix('ali'), ['exact']);
          await expectMatches(q.prefix('ca'), ['look-alike']);
        });
      }

      it('an address phrase stays within one name or one local part', async () => {
        await given(
          aDoc('two', { to: [person('asmith@example.com', 'Alice Smith'), person('bob@example.com', 'Bob Jones')] }),
        );
        await expectMatches(to.words('alice smith'), ['two']);
        await expectMatches(to.words('smith bob'), []);
        await expectMatches(to.words('smith asmith'), []);
      });

      it('an address with only a name, or only an address, still matches', async () => {
        await given(
          aDoc('name-only', { from: [person('', 'Undisclosed Recipients')] }),
          aDoc('address-only', { from: [person('ops@example.com')] }),
        );
        await expectMatches(from.words('undisclosed'), ['name-only']);
        await expectMatches(from.words('ops'), ['address-only']);
      });

      it('participants: covers from, to, cc, bcc, sender and envelope recipients', async () => {
        const eve = 'eve@example.com';
        await given(
          aDoc('from', { from: [person(eve)] }),
          aDoc('to', { to: [person(eve)] }),
          aDoc('cc', { cc: [person(eve)] }),
          aDoc('bcc', { bcc: [person(eve)] }),
          aDoc('sender', { sender: [person(eve)] }),
          aDoc('envelope', { envelopeRecipients: [eve] }),
          aDoc('custodian-only', { custodians: [eve] }),
          aDoc('someone-else', { from: [person('mallory@example.org')] }),
        );
        const expected = ['from', 'to', 'cc', 'bcc', 'sender', 'envelope'];
        await expectMatches(participants.exact(eve), expected);
        await expectMatches(participants.domain('example.com'), expected);
        await expectMatches(participants.words('eve'), expected);
        await expectMatches(participants.prefix('ev'), expected);
      });

      it('custodian: matches the custodians only', async () => {
        await given(
          aDoc('custodian', { custodians: ['trader1@bank.example'] }),
          aDoc('sender', { from: [person('trader1@bank.example')], envelopeRecipients: ['x@bank.example'] }),
        );
        await expectMatches(custodian.exact('trader1@bank.example'), ['custodian']);
        await expectMatches(custodian.domain('bank.example'), ['custodian']);
        await expectMatches(custodian.words('trader1'), ['custodian']);
        await expectMatches(custodian.prefix('trad'), ['custodian']);
      });
    });

    describe('other fields', () => {
      it('has:attachment follows hasAttachment', async () => {
        await given(
          aDoc('with', { hasAttachment: true, attachmentNames: ['a.pdf'] }),
          aDoc('inline-only', { hasAttachment: false, attachmentNames: ['logo.png'] }),
          aDoc('without'),
        );
        await expectMatches(hasAttachment(), ['with']);
      });

      it('attachment:*.ext matches the extension of some attachment name, ignoring case', async () => {
        await given(
          aDoc('pdf', { attachmentNames: ['notes.txt', 'Report.PDF'], hasAttachment: true }),
          aDoc('pdf-in-name', { attachmentNames: ['pdf.txt', 'mypdf'], hasAttachment: true }),
          aDoc('double', { attachmentNames: ['backup.tar.gz'], hasAttachment: true }),
          aDoc('none'),
        );
        await expectMatches(attachment.extension('pdf'), ['pdf']);
        await expectMatches(attachment.extension('txt'), ['pdf', 'pdf-in-name']);
        await expectMatches(attachment.extension('gz'), ['double']);
        await expectMatches(attachment.extension('doc'), []);
      });

      it('messageid: is exact', async () => {
        await given(
          aDoc('m', { messageId: 'CAF123.abc@mail.example.com' }),
          aDoc('other', { messageId: 'CAF123@mail.example.com' }),
          aDoc('none'),
        );
        await expectMatches(messageId('CAF123.abc@mail.example.com'), ['m']);
        await expectMatches(messageId('CAF123.abc@mail.example'), []);
        await expectMatches(messageId('caf123.abc@mail.example.com'), []);
      });

      for (const field of ['sent', 'received', 'size'] as const) {
        it(`${field} ranges include both bounds`, async () => {
          const base = field === 'size' ? 10_000 : T0;
          const step = field === 'size' ? 1 : DAY;
          const at = (id: string, offset: number) => aDoc(id, { [field]: base + offset * step });
          await given(at('before', -1), at('min', 0), at('inside', 1), at('max', 2), at('after', 3));
          const min = base;
          const max = base + 2 * step;
          await expectMatches(range(field, { min, max }), ['min', 'inside', 'max']);
          await expectMatches(range(field, { min }), ['min', 'inside', 'max', 'after']);
          await expectMatches(range(field, { max }), ['before', 'min', 'inside', 'max']);
          await expectMatches(range(field, { min: max, max: min }), []);
        });
      }
    });

    describe('combining', () => {
      beforeEach(async () => {
        await given(
          aDoc('a', { subject: 'apple', from: [person('alice@example.com')] }),
          aDoc('b', { subject: 'banana', from: [person('bob@example.com')], hasAttachment: true }),
          aDoc('ab', { subject: 'apple banana', from: [person('alice@example.com')], size: 99 }),
          aDoc('none', { subject: 'cherry', messageId: 'x@y' }),
        );
      });

      it('AND, OR and NOT', async () => {
        await expectMatches(and(word('apple'), word('banana')), ['ab']);
        await expectMatches(or(word('apple'), word('banana')), ['a', 'b', 'ab']);
        await expectMatches(and(word('apple'), not(word('banana'))), ['a']);
        await expectMatches(and(from.exact('alice@example.com'), not(word('banana'))), ['a']);
        await expectMatches(or(from.words('bob'), word('cherry')), ['b', 'none']);
        await expectMatches(or(hasAttachment(), range('size', { max: 99 })), ['b', 'ab']);
        await expectMatches(and(or(word('apple'), from.words('bob')), not(hasAttachment())), ['a', 'ab']);
        await expectMatches(and(word('apple'), or(word('banana'), from.words('nobody'))), ['ab']);
        await expectMatches(not(and(word('apple'), word('banana'))), ['a', 'b', 'none']);
        await expectMatches(not(or(word('apple'), messageId('x@y'))), ['b']);
      });

      it('a purely negative query means all except', async () => {
        await expectMatches(not(word('apple')), ['b', 'none']);
        await expectMatches(and(not(word('apple')), not(hasAttachment())), ['none']);
        await expectMatches(and(all(), not(from.domain('example.com'))), ['none']);
        await expectMatches(not(messageId('x@y')), ['a', 'b', 'ab']);
        await expectMatches(not(not(word('cherry'))), ['none']);
        await expectMatches(all(), ['a', 'b', 'ab', 'none']);
      });
    });

    describe('paging', () => {
      // Ties on sent, so the id tie-breaker decides the order between them.
      const sents = [3, 1, 2, 2, 5, 2, 4, 1, 0, 6, 2];
      const docs = sents.map((s, i) => aDoc(`m${String(i).padStart(2, '0')}`, { sent: T0 + s * DAY, subject: 'paged' }));

      function expectedOrder(sort: SearchSort): string[] {
        const sign = sort === 'sent:asc' ? 1 : -1;
        return [...docs]
          .sort((x, y) => sign * (x.sent - y.sent || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0)))
          .map((d) => d.id);
      }

      for (const sort of ['sent:desc', 'sent:asc'] as const) {
        it(`walks every page in ${sort} order without duplicates or gaps`, async () => {
          await given(...docs, aDoc('unmatched', { subject: 'other' }));
          const seen: string[] = [];
          let cursor: string | undefined;
          let pages = 0;
          do {
            const result = await index.search({ query: word('paged'), limit: 3, sort, ...(cursor ? { cursor } : {}) });
            expect(result.total).toBe(docs.length);
            expect(result.ids.length).toBeLessThanOrEqual(3);
            seen.push(...result.ids);
            cursor = result.nextCursor;
            pages += 1;
          } while (cursor !== undefined && pages < 10);
          expect(pages).toBe(Math.ceil(docs.length / 3));
          expect(seen).toEqual(expectedOrder(sort));
        });
      }

      it('total counts every match while the page holds only limit ids', async () => {
        await given(...docs);
        const result = await index.search({ query: all(), limit: 4, sort: 'sent:desc' });
        expect(result.total).toBe(docs.length);
        expect(result.ids).toEqual(expectedOrder('sent:desc').slice(0, 4));
        expect(result.nextCursor).toBeDefined();
      });

      it('the last page carries no cursor', async () => {
        await given(...docs.slice(0, 3));
        const result = await index.search({ query: all(), limit: 3, sort: 'sent:asc' });
        expect(result.ids).toHaveLength(3);
        expect(result.nextCursor).toBeUndefined();
      });

      it('rejects a cursor it did not issue', async () => {
        await given(...docs);
        const search = index.search({ query: all(), limit: 3, sort: 'sent:desc', cursor: 'not-a-cursor' });
        await expect(search).rejects.toMatchObject({ code: 'REQUEST.INVALID' });
      });

      it('an empty index answers an empty page', async () => {
        const result = await index.search({ query: all(), limit: 10, sort: 'sent:desc' });
        expect(result).toEqual({ total: 0, ids: [] });
      });
    });

    describe('changes', () => {
      it('updatePeople replaces the people fields and keeps the text', async () => {
        await given(
          aDoc('m', {
            subject: 'quarterly numbers',
            from: [person('alice@old.example', 'Alice')],
            custodians: ['alice@old.example'],
          }),
        );
        await index.updatePeople('m', {
          ...noPeople(),
          from: [person('bob@new.example', 'Bob')],
          bcc: [person('counsel@law.example')],
          envelopeRecipients: ['journal@new.example'],
          custodians: ['bob@new.example'],
        });
        await expectMatches(from.exact('alice@old.example'), []);
        await expectMatches(from.words('alice'), []);
        await expectMatches(custodian.domain('old.example'), []);
        await expectMatches(from.exact('bob@new.example'), ['m']);
        await expectMatches(from.words('bob'), ['m']);
        await expectMatches(bcc.exact('counsel@law.example'), ['m']);
        await expectMatches(participants.exact('journal@new.example'), ['m']);
        await expectMatches(custodian.exact('bob@new.example'), ['m']);
        await expectMatches(subject.words('quarterly numbers'), ['m']);
        expect(await index.count()).toBe(1);
      });

      it('updatePeople on an unknown id adds nothing', async () => {
        await index.updatePeople('missing', { ...noPeople(), from: [person('x@example.com')] });
        expect(await index.count()).toBe(0);
        await expectMatches(from.exact('x@example.com'), []);
      });

      it('delete removes documents from every match and from count', async () => {
        await given(
          aDoc('keep', { subject: 'report', cc: [person('a@example.com')] }),
          aDoc('gone', { subject: 'report', cc: [person('a@example.com')], attachmentNames: ['x.pdf'] }),
        );
        await index.delete(['gone', 'never-indexed']);
        expect(await index.count()).toBe(1);
        await expectMatches(word('report'), ['keep']);
        await expectMatches(cc.exact('a@example.com'), ['keep']);
        await expectMatches(attachment.extension('pdf'), []);
        await expectMatches(all(), ['keep']);
      });

      it('re-indexing an id replaces the document', async () => {
        await given(
          aDoc('m', {
            subject: 'alpha',
            to: [person('old@example.com')],
            attachmentNames: ['a.pdf'],
            hasAttachment: true,
            size: 5,
          }),
        );
        await given(aDoc('m', { subject: 'beta', to: [person('new@example.com')], size: 50 }));
        expect(await index.count()).toBe(1);
        await expectMatches(word('alpha'), []);
        await expectMatches(word('beta'), ['m']);
        await expectMatches(to.exact('old@example.com'), []);
        await expectMatches(to.exact('new@example.com'), ['m']);
        await expectMatches(attachment.extension('pdf'), []);
        await expectMatches(hasAttachment(), []);
        await expectMatches(range('size', { min: 50, max: 50 }), ['m']);
      });

      it('a deleted id can be indexed again', async () => {
        await given(aDoc('m', { subject: 'first', from: [person('a@example.com')] }));
        await index.delete(['m']);
        await given(aDoc('m', { subject: 'second', from: [person('b@example.com')] }));
        await expectMatches(word('first'), []);
        await expectMatches(from.exact('a@example.com'), []);
        await expectMatches(word('second'), ['m']);
        await expectMatches(from.exact('b@example.com'), ['m']);
      });

      it('count counts indexed documents', async () => {
        expect(await index.count()).toBe(0);
        await given(aDoc('a'), aDoc('b'), aDoc('a'));
        expect(await index.count()).toBe(2);
      });
    });
  });
}
