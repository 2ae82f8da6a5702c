import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { OptOutReason } from '../../domain/profile';
import { conditionalWrite, queryMember } from './common';
import { memberPk } from './keys';

/**
 * Keys: `MEMBER#<customerId>` / `OPTOUT#<at>`: one opt-out Lojal recorded, waiting to be (or
 * already) announced as `customer.unsubscribed`. Written in the profile's transaction, so an
 * opt-out is never recorded without its notice; announced afterwards under a short claim, so
 * duplicated deliveries announce it once.
 */
export const OPT_OUT_PREFIX = 'OPTOUT#';
export const optOutSk = (atIso: string): string => `${OPT_OUT_PREFIX}${atIso}`;

export interface OptOutNotice {
  readonly customerId: string;
  /** UTC ISO. */
  readonly at: string;
  readonly reason: OptOutReason;
  readonly announcedAt?: string;
}

/** Kept a year and a day: the shop has long synced it by then. */
const NOTICE_TTL_SECONDS = 366 * 86_400;

export class OptOutNotices {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The notice item, for the profile's transaction. */
  static item(customerId: string, at: number, reason: OptOutReason): Record<string, unknown> {
    const iso = new Date(at).toISOString();
    return {
      pk: memberPk(customerId),
      sk: optOutSk(iso),
      type: 'opt-out',
      customerId,
      at: iso,
      reason,
      expiresAt: Math.floor(at / 1000) + NOTICE_TTL_SECONDS,
    };
  }

  /** The member's notices not yet announced. */
  async pending(customerId: string): Promise<OptOutNotice[]> {
    const items = await queryMember(this.doc, this.tableName, customerId, OPT_OUT_PREFIX, true);
    return items
      .filter((i) => i.announcedAt === undefined)
      .map((i) => ({ customerId, at: String(i.at), reason: i.reason as OptOutReason }));
  }

  /** Takes a notice for announcing until `leaseUntil`; false when it was announced or another caller holds it. */
  async claim(notice: OptOutNotice, now: Date, leaseUntil: Date): Promise<boolean> {
    return conditionalWrite(
      this.doc,
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: memberPk(notice.customerId), sk: optOutSk(notice.at) },
        UpdateExpression: 'SET announcingUntil = :lease',
        ConditionExpression:
          'attribute_exists(pk) AND attribute_not_exists(announcedAt) AND (attribute_not_exists(announcingUntil) OR announcingUntil <= :now)',
        ExpressionAttributeValues: { ':lease': leaseUntil.toISOString(), ':now': now.toISOString() },
      }),
    );
  }

  async markAnnounced(notice: OptOutNotice, now: Date): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: memberPk(notice.customerId), sk: optOutSk(notice.at) },
        UpdateExpression: 'SET announcedAt = :now REMOVE announcingUntil',
        ExpressionAttributeValues: { ':now': now.toISOString() },
      }),
    );
  }

  /** Gives a claim back after a failed publish, so the next caller announces at once. */
  async unclaim(notice: OptOutNotice): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: memberPk(notice.customerId), sk: optOutSk(notice.at) },
        UpdateExpression: 'REMOVE announcingUntil',
      }),
    );
  }
}
