import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { type GuardedWrite, runGuardedTransaction } from '../../functions/adapters/dynamo/transactions';

/** A document client whose every send fails with `error` (fault injection: DynamoDB Local cannot be made to cancel on demand). */
const failingDoc = (error: unknown): DynamoDBDocumentClient => ({ send: () => Promise.reject(error) }) as unknown as DynamoDBDocumentClient;
const okDoc = { send: () => Promise.resolve({}) } as unknown as DynamoDBDocumentClient;

const write = (failsAs: string): GuardedWrite<string> => ({
  failsAs,
  item: { ConditionCheck: { TableName: 't', Key: { pk: failsAs }, ConditionExpression: 'x' } },
});
const writes = [write('duplicate'), write('conflict'), write('sold-out')];
const cancelled = (codes: string[]) =>
  new TransactionCanceledException({ $metadata: {}, message: 'cancelled', CancellationReasons: codes.map((Code) => ({ Code })) });

describe('Function: runGuardedTransaction', () => {
  it('answers committed when the transaction went through', async () => {
    expect(await runGuardedTransaction(okDoc, writes, 'conflict')).toBe('committed');
  });

  it('lets the first failed condition, in the order given, decide', async () => {
    expect(
      await runGuardedTransaction(failingDoc(cancelled(['None', 'ConditionalCheckFailed', 'ConditionalCheckFailed'])), writes, 'x'),
    ).toBe('conflict');
    expect(
      await runGuardedTransaction(failingDoc(cancelled(['ConditionalCheckFailed', 'None', 'ConditionalCheckFailed'])), writes, 'x'),
    ).toBe('duplicate');
    expect(await runGuardedTransaction(failingDoc(cancelled(['None', 'None', 'ConditionalCheckFailed'])), writes, 'x')).toBe('sold-out');
  });

  it('recognises a cancellation by name when it comes from another copy of the SDK', async () => {
    const foreign = {
      name: 'TransactionCanceledException',
      CancellationReasons: [{ Code: 'None' }, { Code: 'None' }, { Code: 'ConditionalCheckFailed' }],
    };
    expect(await runGuardedTransaction(failingDoc(foreign), writes, 'x')).toBe('sold-out');
  });

  it('answers onConflict for a concurrent transaction, with no failed condition', async () => {
    expect(await runGuardedTransaction(failingDoc(cancelled(['None', 'TransactionConflict', 'None'])), writes, 'retry')).toBe('retry');
  });

  it('throws every other failure, so the caller retries', async () => {
    const throttled = Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' });
    await expect(runGuardedTransaction(failingDoc(throttled), writes, 'x')).rejects.toBe(throttled);
    const capacity = cancelled(['None', 'ThrottlingError', 'None']);
    await expect(runGuardedTransaction(failingDoc(capacity), writes, 'x')).rejects.toBe(capacity);
  });
});
