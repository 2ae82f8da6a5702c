import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type CapHold, type PrioritisedMail, withHold, withoutHold } from '../../domain/email/priority';
import { conditionalWrite } from './common';
import { memberPk } from './keys';
import { MAIL_CAP_SK } from './mail-keys';
import type { TransactItem } from './mail-records';

/** One marketing send the cap counts: when (UTC ISO) and which mail. */
export interface CapSend {
  readonly at: string;
  readonly ref: string;
  readonly kind: string;
}

export interface CapState {
  /** Recent marketing sends. */
  readonly sends: readonly CapSend[];
  /** Deferred marketing mails waiting for a slot, with their priority (functions/domain/email/priority.ts). */
  readonly holds: readonly CapHold[];
  /** 0 when the member has none yet. */
  readonly version: number;
}

export const marketingCapKey = (customerId: string) => ({ pk: memberPk(customerId), sk: MAIL_CAP_SK });

/** The cap item as stored, read back (absent → no sends, version 0). */
export function capStateOf(item: Record<string, unknown> | undefined): CapState {
  return {
    sends: (item?.sends ?? []) as CapState['sends'],
    holds: (item?.holds ?? []) as CapState['holds'],
    version: Number(item?.version ?? 0),
  };
}

/**
 * The DynamoDB adapter for a member's marketing cap: one item listing their recent marketing
 * sends, versioned so that two senders can never both take the last place in the window.
 */
export class MarketingCap {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async read(customerId: string): Promise<CapState> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: marketingCapKey(customerId), ConsistentRead: true }),
    );
    return capStateOf(Item);
  }

  /**
   * The write that adds one send to the cap as it was `read`, dropping sends older than
   * `keepAfter`: for the claim's transaction, so the cap counts a mail exactly when it is
   * claimed, and its hold (if it was deferred) comes off. Its condition fails when another
   * send or hold changed the cap since the read.
   */
  addSendItem(customerId: string, read: CapState, keepAfter: Date, add: CapSend, now: Date): TransactItem {
    const after = keepAfter.toISOString();
    return this.capPut(
      customerId,
      read,
      [...read.sends.filter((s) => s.at > after), add],
      withoutHold(read.holds, add, now.getTime()),
      now,
    );
  }

  /**
   * The write that leaves a deferred mail's hold on the cap as it was `read` (its priority and
   * the instant it wants a slot): for the deferral's transaction, conditioned like a send, so a
   * lower-priority mail deciding at the same moment either sees the hold or fails its claim
   * and decides again.
   */
  holdItem(customerId: string, read: CapState, mail: PrioritisedMail, until: Date, now: Date): TransactItem {
    return this.capPut(customerId, read, read.sends, withHold(read.holds, mail, until.toISOString(), now.getTime()), now);
  }

  /** The cap item with new sends and holds, written only over the version it was `read` at. */
  private capPut(customerId: string, read: CapState, sends: CapState['sends'], holds: CapState['holds'], now: Date): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: { ...marketingCapKey(customerId), type: 'mail-cap', sends, holds, version: read.version + 1, updatedAt: now.toISOString() },
        ConditionExpression: read.version === 0 ? 'attribute_not_exists(pk)' : 'version = :v',
        ...(read.version === 0 ? {} : { ExpressionAttributeValues: { ':v': read.version } }),
      },
    };
  }

  /**
   * Takes a send out of the cap (its mail was released unsent). Best effort: a send left in
   * it only makes the cap stricter for a few days.
   */
  async removeSend(customerId: string, kind: string, ref: string, now: Date): Promise<void> {
    const cap = await this.read(customerId);
    if (!cap.sends.some((s) => s.ref === ref && s.kind === kind)) return;
    await conditionalWrite(
      this.doc,
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...marketingCapKey(customerId),
          type: 'mail-cap',
          sends: cap.sends.filter((s) => !(s.ref === ref && s.kind === kind)),
          holds: cap.holds,
          version: cap.version + 1,
          updatedAt: now.toISOString(),
        },
        ConditionExpression: 'version = :v',
        ExpressionAttributeValues: { ':v': cap.version },
      }),
    );
  }
}
