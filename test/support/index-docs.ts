/** Object mother for IndexDocuments: a plain message, overridden only where a test cares. */
import type { IndexDocument, IndexedAddress, IndexPeople } from '../../shared/ports/search-index.js';

export const T0 = Date.UTC(2024, 0, 15, 12, 0, 0);

export function person(address: string, name = ''): IndexedAddress {
  return { address, name };
}

export function noPeople(): IndexPeople {
  return { from: [], sender: [], to: [], cc: [], bcc: [], envelopeRecipients: [], custodians: [] };
}

export function aDoc(id: string, overrides: Partial<Omit<IndexDocument, 'id'>> = {}): IndexDocument {
  return {
    id,
    sent: T0,
    received: T0,
    size: 1000,
    subject: '',
    body: '',
    attachmentNames: [],
    hasAttachment: false,
    messageId: null,
    ...noPeople(),
    ...overrides,
  };
}
