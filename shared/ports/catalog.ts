import type { Delivery, MessageRecord, User } from '../domain/records.js';

export interface IntakeOutcome {
  /** The message was new to the catalog. */
  messageCreated: boolean;
  /** false when this exact delivery id was already recorded (a retried event). */
  deliveryCreated: boolean;
  /** The record after merging this delivery's recipients. */
  message: MessageRecord;
  /** Envelope recipients or custodians changed, so the index needs the new people. */
  peopleChanged: boolean;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/** Records, deliveries and users. Holds, cases and policies live in the Governance port; audit in AuditLog. */
export interface Catalog {
  /**
   * Records a message (if new) and one delivery of it, atomically. An existing message keeps its
   * record; the delivery's envelope recipients and custodians are merged into it.
   */
  recordIntake(message: MessageRecord, delivery: Delivery): Promise<IntakeOutcome>;
  /** The same for many deliveries at once (bulk import), in order; as one transaction where the store allows. */
  recordIntakes(items: readonly { message: MessageRecord; delivery: Delivery }[]): Promise<IntakeOutcome[]>;
  getMessage(id: string): Promise<MessageRecord | null>;
  /** Records for the given ids, in the same order; ids not found are left out. */
  getMessages(ids: readonly string[]): Promise<MessageRecord[]>;
  listDeliveries(messageId: string): Promise<Delivery[]>;
  listMessageIds(options: { cursor?: string; limit: number }): Promise<Page<string>>;
  countMessages(): Promise<number>;
  /** Moves a record's retainUntil (the store's lock is extended first by the caller). */
  setRetention(id: string, retainUntil: string): Promise<void>;
  /** Removes a disposed message's record and its deliveries; absent ids are a no-op. */
  deleteMessage(id: string): Promise<void>;
  countDeliveries(): Promise<number>;

  putUser(user: User): Promise<void>;
  findUserByTokenHash(tokenHash: string): Promise<User | null>;
  listUsers(): Promise<User[]>;
  removeUser(name: string): Promise<boolean>;
}
