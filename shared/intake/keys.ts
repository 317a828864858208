/**
 * Where things live in the write-once store. Keys fan out by the first two hex digits of the
 * message id so that no directory or S3 prefix holds the whole archive.
 */
export function messageKey(id: string): string {
  return `messages/${id.slice(0, 2)}/${id}`;
}

/** Beside the other deliveries of the same message, without a folder per message (a folder costs a block). */
export function deliveryKey(messageId: string, deliveryId: string): string {
  return `${deliveriesPrefix(messageId)}${deliveryId}.json`;
}

/** The key prefix of every envelope record of one message. */
export function deliveriesPrefix(messageId: string): string {
  return `deliveries/${messageId.slice(0, 2)}/${messageId}.`;
}

export const MESSAGES_PREFIX = 'messages/';

const MESSAGE_KEY = /^messages\/[0-9a-f]{2}\/([0-9a-f]{64})$/;

/** The message id of a message key, or null for any other key. */
export function messageIdFromKey(key: string): string | null {
  return MESSAGE_KEY.exec(key)?.[1] ?? null;
}
