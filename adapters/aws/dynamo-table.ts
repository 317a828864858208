import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';

/** One item of a TransactWriteItems request, and a primary key, as the document client takes them. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
export type Key = Record<string, unknown>;

/**
 * The catalog's single DynamoDB table: keys, indexes and item shapes. docs/dynamodb-table.md is the
 * prose version (and the CloudFormation shape); keep the two together.
 *
 *   message        PK=MSG#<id>            SK=META                          record, version, GSI2PK, GSI2SK
 *   delivery       PK=MSG#<id>            SK=DLV#<receivedAt>#<deliveryId> record
 *   delivery id    PK=DLVID#<deliveryId>  SK=DLVID                         messageId
 *   user           PK=USERS               SK=USER#<name>                   name, role, tokenHash, createdAt, GSI1PK
 *   counter shard  PK=COUNT               SK=SHARD#<n>                     messages, deliveries
 *
 * Governance (DynamoGovernance) shares the table:
 *
 *   hold-set       PK=GOV#HOLDSET         SK=META                          version
 *   case           PK=GOV#CASES           SK=CASE#<id>                     record, version
 *   hold           PK=GOV#HOLDS           SK=HOLD#<id>                     record, version
 *   job            PK=GOV#JOBS            SK=JOB#<id>                      record, version, status
 *   policy         PK=GOV#POLICIES        SK=POLICY#<id>                   record, version
 *   approval       PK=GOV#APPROVALS       SK=APPROVAL#<id>                 record, version
 *   hold member    PK=HOLD#<holdId>       SK=MEMBER#<messageId>            —
 *   membership     PK=HOLDOF#<messageId>  SK=HOLD#<holdId>                 —
 *   hold count     PK=HOLDOF#<messageId>  SK=HOLDCOUNT                     holds
 *   disposal       PK=GOV#DISPOSALS#<status>  SK=DISPOSAL#<messageId>     record
 */
export const GSI_TOKEN = 'GSI1';
export const GSI_LISTING = 'GSI2';

/** Message listing is spread over 16 partitions by the first hex digit of the id (a SHA-256). */
export const LISTING_SHARDS = [...'0123456789abcdef', 'other'] as const;
/** Counter writes are spread over this many items so parallel intakes rarely touch the same one. */
export const COUNTER_SHARDS = 16;

export const keys = {
  message: (id: string) => ({ PK: `MSG#${id}`, SK: 'META' }),
  delivery: (messageId: string, receivedAt: string, deliveryId: string) => ({
    PK: `MSG#${messageId}`,
    SK: `DLV#${receivedAt}#${deliveryId}`,
  }),
  deliveryId: (deliveryId: string) => ({ PK: `DLVID#${deliveryId}`, SK: 'DLVID' }),
  user: (name: string) => ({ PK: 'USERS', SK: `USER#${name}` }),
  counter: (shard: number) => ({ PK: 'COUNT', SK: `SHARD#${shard}` }),
};

/** Governance items: fixed partitions for the few, listable records; one partition per hold and per held message. */
export const governanceKeys = {
  holdSet: () => ({ PK: 'GOV#HOLDSET', SK: 'META' }),
  case: (id: string) => ({ PK: 'GOV#CASES', SK: `CASE#${id}` }),
  hold: (id: string) => ({ PK: 'GOV#HOLDS', SK: `HOLD#${id}` }),
  job: (id: string) => ({ PK: 'GOV#JOBS', SK: `JOB#${id}` }),
  policy: (id: string) => ({ PK: 'GOV#POLICIES', SK: `POLICY#${id}` }),
  approval: (id: string) => ({ PK: 'GOV#APPROVALS', SK: `APPROVAL#${id}` }),
  holdMember: (holdId: string, messageId: string) => ({ PK: `HOLD#${holdId}`, SK: `MEMBER#${messageId}` }),
  membership: (messageId: string, holdId: string) => ({ PK: `HOLDOF#${messageId}`, SK: `HOLD#${holdId}` }),
  holdCount: (messageId: string) => ({ PK: `HOLDOF#${messageId}`, SK: 'HOLDCOUNT' }),
  disposal: (status: 'claimed' | 'done', messageId: string) => ({
    PK: `GOV#DISPOSALS#${status}`,
    SK: `DISPOSAL#${messageId}`,
  }),
};

export function listingShard(messageId: string): string {
  const first = messageId.charAt(0);
  return /^[0-9a-f]$/.test(first) ? first : 'other';
}

export function tableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'PK', AttributeType: 'S' },
      { AttributeName: 'SK', AttributeType: 'S' },
      { AttributeName: 'GSI1PK', AttributeType: 'S' },
      { AttributeName: 'GSI2PK', AttributeType: 'S' },
      { AttributeName: 'GSI2SK', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'PK', KeyType: 'HASH' },
      { AttributeName: 'SK', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        // Users by token hash; sparse (only user items carry GSI1PK).
        IndexName: GSI_TOKEN,
        KeySchema: [{ AttributeName: 'GSI1PK', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
      {
        // Message ids, sharded by first hex digit; sparse (only META items carry GSI2PK).
        IndexName: GSI_LISTING,
        KeySchema: [
          { AttributeName: 'GSI2PK', KeyType: 'HASH' },
          { AttributeName: 'GSI2SK', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ],
  };
}
