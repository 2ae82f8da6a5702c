import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';

/** One item of a document-client `TransactWriteItems` request (Put, Update, Delete or ConditionCheck). */
export type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/** A write of a guarded transaction and what the transaction means when this write's condition fails. */
export interface GuardedWrite<F> {
  readonly item: TransactItem;
  /** The outcome when this write's condition is the first to fail (`'duplicate'`, `'conflict'`, ...). */
  readonly failsAs: F;
}

/**
 * Runs `writes` as ONE DynamoDB transaction and maps a cancellation to an outcome: the first
 * write (in the order given) whose condition failed decides, so put the write whose failure
 * matters most first (a duplicate entry outranks a stale version). A cancellation with no failed
 * condition but a `TransactionConflict` (another transaction touched the same items at the same
 * moment) returns `onConflict`, to recompute and try again. Anything else (throttling, a
 * validation error, a timeout) is thrown, so the caller's retry decides.
 *
 * @example
 * const outcome = await runGuardedTransaction(doc, [
 *   { item: { Put: { TableName, Item, ConditionExpression: 'attribute_not_exists(pk)' } }, failsAs: 'duplicate' },
 *   { item: { Update: { TableName, Key, UpdateExpression, ConditionExpression: '#v = :v', ... } }, failsAs: 'conflict' },
 * ], 'conflict');
 * // 'committed' | 'duplicate' | 'conflict'
 *
 * @see https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html (CancellationReasons are in request order)
 */
export async function runGuardedTransaction<F>(
  doc: DynamoDBDocumentClient,
  writes: readonly GuardedWrite<F>[],
  onConflict: F,
): Promise<'committed' | F> {
  try {
    await doc.send(new TransactWriteCommand({ TransactItems: writes.map((w) => w.item) }));
    return 'committed';
  } catch (error) {
    const reasons = cancellationReasons(error);
    if (!reasons) throw error;
    const failed = reasons.findIndex((r) => r.Code === 'ConditionalCheckFailed');
    if (failed >= 0) return writes[failed]?.failsAs ?? onConflict;
    if (reasons.some((r) => r.Code === 'TransactionConflict')) return onConflict;
    throw error;
  }
}

/** The per-write reasons of a cancelled transaction (the SDK class, or its name from another copy of the SDK), or undefined. */
export function cancellationReasons(error: unknown): readonly { readonly Code?: string }[] | undefined {
  if (error instanceof TransactionCanceledException) return error.CancellationReasons ?? [];
  if (typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'TransactionCanceledException') {
    const reasons = (error as { CancellationReasons?: unknown }).CancellationReasons;
    return Array.isArray(reasons) ? reasons.filter((r): r is { Code?: string } => typeof r === 'object' && r !== null) : [];
  }
  return undefined;
}
