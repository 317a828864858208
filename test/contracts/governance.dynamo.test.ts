import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoGovernance } from '../../adapters/aws/dynamo-governance.js';
import { governanceKeys } from '../../adapters/aws/dynamo-table.js';
import type { DisposalRecord } from '../../shared/domain/governance.js';
import { closeDynamoProxy, freshDynamoTable } from '../support/dynamo.js';
import type { DynamoTable } from '../support/dynamo.js';
import { aHold, aJob, governanceContract } from './governance.contract.js';

interface DynamoHarness extends DynamoTable {
  governance: DynamoGovernance;
}

afterAll(closeDynamoProxy);

/** A fresh table per test (the catalog's definition: governance shares it), deleted afterwards. */
async function freshTable(): Promise<DynamoHarness> {
  const table = await freshDynamoTable('coffer-governance');
  return { ...table, governance: new DynamoGovernance(table.client, table.tableName) };
}

governanceContract('DynamoGovernance (moto)', freshTable);

const at = '2026-01-01T00:00:00.000Z';
const aDisposal = (messageId: string): DisposalRecord => ({
  messageId,
  sha256: messageId,
  status: 'claimed',
  retainUntil: at,
  sent: at,
  received: at,
  policyId: null,
  claimedAt: at,
  finishedAt: null,
});

describe('DynamoGovernance specifics (moto)', () => {
  let h: DynamoHarness;
  beforeEach(async () => {
    h = await freshTable();
  });
  afterEach(async () => {
    await h.cleanup();
  });

  const holdCount = async (messageId: string) =>
    (await h.client.send(new GetCommand({ TableName: h.tableName, Key: governanceKeys.holdCount(messageId), ConsistentRead: true })))
      .Item?.holds;

  const placeHold = async () => {
    const hold = aHold();
    await h.governance.createHold(hold, aJob({ id: hold.applyJobId, target: hold.id }));
    return hold;
  };

  it('reads a table without a hold-set item as version 0, and the first hold makes it 1', async () => {
    expect(await h.governance.activeHolds()).toEqual({ version: 0, holds: [] });
    await placeHold();
    const stored = await h.client.send(new GetCommand({ TableName: h.tableName, Key: governanceKeys.holdSet(), ConsistentRead: true }));
    expect(stored.Item?.version).toBe(1);
    expect((await h.governance.activeHolds()).version).toBe(1);
    expect(await h.governance.claimDisposal(aDisposal('m'), { holdsVersion: 0 })).toBe(false);
    expect(await h.governance.claimDisposal(aDisposal('m'), { holdsVersion: 1 })).toBe(true);
  });

  it('adds members across several transactions, reporting exactly the new ids in the order given', async () => {
    const hold = await placeHold();
    const ids = Array.from({ length: 80 }, (_, i) => `m${String(i).padStart(3, '0')}`);
    const some = ids.filter((_, i) => i % 3 === 0);
    expect(await h.governance.addHoldMembers(hold.id, some)).toEqual(some);
    const rest = ids.filter((_, i) => i % 3 !== 0);
    // Known members spread over the batches, and an id given twice.
    expect(await h.governance.addHoldMembers(hold.id, [...[...ids].reverse(), 'm001'])).toEqual([...rest].reverse());
    expect(await h.governance.countHoldMembers(hold.id)).toBe(80);
    expect(await holdCount('m001')).toBe(1);
    await h.governance.removeHoldMembers(hold.id, [...ids.slice(0, 50), 'never-a-member', 'm000']);
    expect(await h.governance.countHoldMembers(hold.id)).toBe(30);
    expect(await holdCount('m000')).toBe(0);
    expect(await holdCount('never-a-member')).toBeUndefined();
    expect(await h.governance.holdsOf('m000')).toEqual([]);
    expect(await h.governance.holdsOf('m079')).toEqual([hold.id]);
  });

  it('keeps per-message hold counts exact when holds add and remove the same messages at once', async () => {
    const holds = [await placeHold(), await placeHold(), await placeHold(), await placeHold()];
    const ids = ['a', 'b', 'c'];
    const added = await Promise.all(holds.map((hold) => h.governance.addHoldMembers(hold.id, ids)));
    expect(added).toEqual(holds.map(() => ids));
    await Promise.all([
      h.governance.removeHoldMembers(holds[0]!.id, ids),
      h.governance.removeHoldMembers(holds[0]!.id, ['a']),
      h.governance.addHoldMembers(holds[1]!.id, ids),
    ]);
    for (const id of ids) {
      expect(await holdCount(id)).toBe(3);
      expect((await h.governance.holdsOf(id)).sort()).toEqual(holds.slice(1).map((hold) => hold.id).sort());
    }
  });

  it('orders a membership add and a claim of the same message: never both a claim and a prior membership', async () => {
    const hold = await placeHold();
    const { version } = await h.governance.activeHolds();
    for (let i = 0; i < 5; i++) {
      const id = `race-${i}`;
      const [added, claimed] = await Promise.all([
        h.governance.addHoldMembers(hold.id, [id]),
        h.governance.claimDisposal(aDisposal(id), { holdsVersion: version }),
      ]);
      expect(added).toEqual([id]);
      // Claimed means it came first; refused means it saw the member. Either way the member is there now.
      expect((await h.governance.getDisposal(id)) !== null).toBe(claimed);
      expect(await h.governance.claimDisposal(aDisposal(id), { holdsVersion: version })).toBe(false);
    }
  });

  it('moves the hold-set version when a hold is released or un-released, not on other status changes', async () => {
    const hold = await placeHold();
    const v1 = (await h.governance.activeHolds()).version;
    const active = await h.governance.updateHold({ ...hold, status: 'active' });
    expect((await h.governance.activeHolds()).version).toBe(v1);
    const released = await h.governance.updateHold({ ...active, status: 'released', releasedAt: at });
    expect((await h.governance.activeHolds()).version).toBe(v1 + 1);
    await h.governance.updateHold({ ...released, status: 'active', releasedAt: null });
    expect(await h.governance.activeHolds()).toMatchObject({ version: v1 + 2, holds: [{ id: hold.id, status: 'active' }] });
    // A stale release fails whole: the version does not move either.
    await expect(h.governance.updateHold({ ...active, status: 'released' })).rejects.toMatchObject({ code: 'GOVERNANCE.CONFLICT' });
    expect((await h.governance.activeHolds()).version).toBe(v1 + 2);
  });

  it('claims a disposal once, re-claims a finished one, and refuses to finish what was never claimed', async () => {
    const { version } = await h.governance.activeHolds();
    expect(await h.governance.claimDisposal(aDisposal('m'), { holdsVersion: version })).toBe(true);
    expect(await h.governance.claimDisposal({ ...aDisposal('m'), claimedAt: '2027-01-01T00:00:00.000Z' }, { holdsVersion: version })).toBe(true);
    expect((await h.governance.getDisposal('m'))?.claimedAt).toBe(at); // the first claim stands
    await h.governance.finishDisposal('m', at);
    expect(await h.governance.getDisposal('m')).toMatchObject({ status: 'done', finishedAt: at });
    expect(await h.governance.claimDisposal({ ...aDisposal('m'), claimedAt: '2027-01-01T00:00:00.000Z' }, { holdsVersion: version })).toBe(true);
    expect(await h.governance.getDisposal('m')).toMatchObject({ status: 'claimed', claimedAt: '2027-01-01T00:00:00.000Z' });
    expect(await h.governance.listDisposals({ status: 'done' })).toEqual([]);
    await expect(h.governance.finishDisposal('never', at)).rejects.toMatchObject({ code: 'GOVERNANCE.CONFLICT' });
    // An existing claim is not confirmed once the guards fail.
    await placeHold();
    expect(await h.governance.claimDisposal(aDisposal('m'), { holdsVersion: version })).toBe(false);
  });

  it('lists jobs by several statuses and pages members, refusing a cursor from another partition', async () => {
    const queued = aJob();
    const running = aJob({ status: 'running' });
    const done = aJob({ status: 'done' });
    for (const job of [queued, running, done]) await h.governance.createJob(job);
    expect((await h.governance.listJobs({ statuses: ['queued', 'running'] })).map((j) => j.id).sort()).toEqual([queued.id, running.id].sort());
    expect(await h.governance.listJobs({ statuses: [] })).toEqual([]);
    await expect(h.governance.createJob(queued)).rejects.toMatchObject({ code: 'GOVERNANCE.CONFLICT' });

    const hold = await placeHold();
    await h.governance.addHoldMembers(hold.id, ['a', 'b', 'c']);
    const first = await h.governance.listHoldMembers(hold.id, { limit: 2 });
    expect(first.items).toEqual(['a', 'b']);
    const forged = Buffer.from(JSON.stringify({ PK: 'GOV#CASES', SK: 'CASE#x' })).toString('base64url');
    await expect(h.governance.listHoldMembers(hold.id, { limit: 2, cursor: forged })).rejects.toMatchObject({ code: 'REQUEST.INVALID' });
    await expect(h.governance.listCases({ limit: 2, cursor: first.nextCursor ?? '' })).rejects.toMatchObject({ code: 'REQUEST.INVALID' });
    expect(await h.governance.listHoldMembers(hold.id, { limit: 2, cursor: first.nextCursor ?? '' })).toEqual({ items: ['c'] });
  });
});
