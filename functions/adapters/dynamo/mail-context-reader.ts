import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EmailKind } from '../../config/email-kinds';
import { PROFILE_SK, memberPk } from './keys';
import { balanceOf, ledgerStateKey } from './ledger-balance';
import { type MailRecord, mailRecordKey } from './mail-records';
import { type CapState, capStateOf, marketingCapKey } from './marketing-cap';
import { type StoredProfile, storedProfileOf } from './profile-store';

/** What the sender needs to know about one mail before deciding it, read together. */
export interface StoredMailContext {
  readonly record: MailRecord | undefined;
  readonly profile: StoredProfile | undefined;
  /** Read only when asked (marketing mail). */
  readonly cap: CapState | undefined;
  /** Read only when asked (the welcome mail shows it). */
  readonly balance: number | undefined;
}

/**
 * Reads a mail's record, the member's profile and, when asked, their marketing cap and
 * ledger balance in one strongly consistent BatchGetItem: one round trip where four GetItems
 * were. Each item is decoded by its own adapter's reader.
 */
export class MailContextReader {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async read(
    customerId: string,
    kind: EmailKind,
    ref: string,
    wants: { readonly cap: boolean; readonly balance: boolean },
  ): Promise<StoredMailContext> {
    const recordKey = mailRecordKey(customerId, kind, ref);
    const profileKey = { pk: memberPk(customerId), sk: PROFILE_SK };
    const capKey = marketingCapKey(customerId);
    const stateKey = ledgerStateKey(customerId);
    const keys = [recordKey, profileKey, ...(wants.cap ? [capKey] : []), ...(wants.balance ? [stateKey] : [])];
    const found = new Map<string, Record<string, unknown>>();
    let pending: Record<string, unknown>[] = keys;
    // BatchGetItem may answer part of the keys (throttling): ask again for the rest.
    while (pending.length > 0) {
      const answer = await this.doc.send(
        new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }),
      );
      for (const item of answer.Responses?.[this.tableName] ?? []) found.set(String(item.sk), item);
      pending = (answer.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
    }
    return {
      record: found.get(recordKey.sk) as MailRecord | undefined,
      profile: storedProfileOf(customerId, found.get(profileKey.sk)),
      cap: wants.cap ? capStateOf(found.get(capKey.sk)) : undefined,
      balance: wants.balance ? balanceOf(found.get(stateKey.sk)) : undefined,
    };
  }
}
