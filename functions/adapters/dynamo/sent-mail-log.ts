import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { EmailKind } from '../../config/email-kinds';
import { DEFAULT_MAIL_LOG_RETENTION_DAYS } from '../../config/retention';
import { memberPk } from './keys';
import { MAIL_LOG_PREFIX, mailLogSk } from './mail-keys';

/** One line of the sent-mail log, as the member API shows it. */
export interface MailLogEntry {
  readonly at: string;
  readonly kind: EmailKind;
  /** Absent once the member is erased (subjects name products). */
  readonly subject?: string;
  readonly messageId: string;
  readonly mailClass: 'service' | 'marketing';
  /** The refs this mail covered (several for a same-day digest). */
  readonly refs: readonly string[];
}

/**
 * The DynamoDB adapter for a member's sent-mail log: one item per mail that went out, kept
 * after the mail's own record expires, until its TTL (`expiresAt`, `retentionDays` after it was
 * sent). Written in the transaction that marks the mail sent.
 */
export class SentMailLog {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays = DEFAULT_MAIL_LOG_RETENTION_DAYS,
  ) {}

  /** The log item of one sent mail (its lead ref names it). */
  entryItem(customerId: string, entry: MailLogEntry): Record<string, unknown> {
    return {
      pk: memberPk(customerId),
      sk: mailLogSk(entry.at, entry.kind, entry.refs[0] ?? ''),
      type: 'mail-log',
      ...entry,
      refs: [...entry.refs],
      // DynamoDB's TTL takes epoch seconds; the line is deleted within days after it.
      expiresAt: Math.floor(Date.parse(entry.at) / 1000) + this.retentionDays * 86_400,
    };
  }

  /** One page of the member's sent-mail log, newest first. */
  async page(customerId: string, limit: number, cursor?: Record<string, unknown>) {
    const page = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': memberPk(customerId), ':prefix': MAIL_LOG_PREFIX },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: cursor,
      }),
    );
    return { items: (page.Items ?? []) as MailLogEntry[], ...(page.LastEvaluatedKey ? { cursor: page.LastEvaluatedKey } : {}) };
  }
}
