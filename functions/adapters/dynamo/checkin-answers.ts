import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CounterChange } from '../../domain/measurement/outcomes';
import { conditionalWrite } from './common';
import { memberPk } from './keys';
import { checkinAnswerSk } from './mail-keys';
import { counterUpdate, reportShard } from './report-counters';
import { runGuardedTransaction } from './transactions';

/** A member's answer to an order's check-in mail (0–10), as stored. */
export interface CheckinAnswer {
  readonly orderId: string;
  readonly score: number;
  /** UTC ISO. */
  readonly answeredAt: string;
  /** `nps:<customerId>:<orderId>:<answeredAt>`: names this answer in `nps.answered`, where consumers dedupe on it. */
  readonly answerId: string;
  /** The score this answer replaced, or null for the order's first answer. */
  readonly previousScore: number | null;
  /** When `nps.answered` went out for this answer (UTC ISO); absent until then. */
  readonly announcedAt?: string;
}

/**
 * The DynamoDB adapter for members' answers to check-in mail (one per order) and the NPS
 * counters they keep: an answer and its counter changes are written in ONE transaction, so the
 * counters always count each order's current answer once (docs/measurement.md).
 */
export class CheckinAnswers {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Writes `answer` in place of `previous` (the answer read before, or none) and adds `changes` to
   * the member's shard of the NPS counters. `conflict`: another answer was written since
   * `previous` was read; read again and recompute.
   */
  async replace(
    customerId: string,
    answer: Omit<CheckinAnswer, 'announcedAt'>,
    previous: CheckinAnswer | undefined,
    changes: readonly CounterChange[],
  ): Promise<'committed' | 'conflict'> {
    const shard = reportShard(customerId);
    return runGuardedTransaction(
      this.doc,
      [
        {
          item: {
            Put: {
              TableName: this.tableName,
              Item: { pk: memberPk(customerId), sk: checkinAnswerSk(answer.orderId), type: 'checkin-answer', ...answer },
              ...(previous
                ? {
                    ConditionExpression: 'answerId = :previous',
                    ExpressionAttributeValues: { ':previous': previous.answerId },
                  }
                : { ConditionExpression: 'attribute_not_exists(pk)' }),
            },
          },
          failsAs: 'conflict' as const,
        },
        ...changes.map((change) => ({ item: counterUpdate(this.tableName, 'nps', shard, change), failsAs: 'conflict' as const })),
      ],
      'conflict',
    );
  }

  /** Records that `nps.answered` went out for the answer, unless another answer replaced it meanwhile. */
  async markAnnounced(customerId: string, answer: CheckinAnswer, at: Date): Promise<void> {
    // A failed condition: replaced by a newer answer meanwhile, which is announced on its own.
    await conditionalWrite(
      this.doc,
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: memberPk(customerId), sk: checkinAnswerSk(answer.orderId) },
        UpdateExpression: 'SET announcedAt = :at',
        ConditionExpression: 'answerId = :id',
        ExpressionAttributeValues: { ':at': at.toISOString(), ':id': answer.answerId },
      }),
    );
  }

  async get(customerId: string, orderId: string): Promise<CheckinAnswer | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: memberPk(customerId), sk: checkinAnswerSk(orderId) }, ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const answeredAt = String(Item.answeredAt);
    return {
      orderId: String(Item.orderId ?? orderId),
      score: Number(Item.score),
      answeredAt,
      // Answers stored before answer ids were kept are named the same way.
      answerId: typeof Item.answerId === 'string' ? Item.answerId : answerIdOf(customerId, orderId, answeredAt),
      previousScore: typeof Item.previousScore === 'number' ? Item.previousScore : null,
      ...(typeof Item.announcedAt === 'string' ? { announcedAt: Item.announcedAt } : {}),
    };
  }
}

/** The id of an answer: the member, the order and the instant it was given. */
export const answerIdOf = (customerId: string, orderId: string, answeredAt: string): string => `nps:${customerId}:${orderId}:${answeredAt}`;
