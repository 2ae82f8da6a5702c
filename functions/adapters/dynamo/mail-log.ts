import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { EmailKind } from '../../config/email-kinds';
import { DEFAULT_MAIL_LOG_RETENTION_DAYS } from '../../config/retention';
import { memberPk } from './keys';
import { MAIL_LOG_PREFIX, mailLogSk } from './mail-keys';

/** What the sender decided about one mail, in the log's words. */
export type MailDecisionStatus = 'sent' | 'deferred' | 'skipped' | 'failed';

interface MailLogLine {
  /** When the decision was made (UTC ISO). */
  readonly at: string;
  readonly kind: EmailKind;
  /** The refs the decision covered: the lead first (several for a same-day digest that went out). */
  readonly refs: readonly string[];
}

/** One line of a member's mail log: a decision about one mail, as the member API shows it. */
export type MailLogEntry = MailLogLine &
  (
    | {
        readonly status: 'sent';
        /** Absent once the member is erased (subjects name products). */
        readonly subject?: string;
        readonly messageId: string;
        readonly mailClass: 'service' | 'marketing';
      }
    | { readonly status: 'deferred'; readonly until: string; readonly reason: string }
    | { readonly status: 'skipped' | 'failed'; readonly reason: string }
  );

/**
 * The DynamoDB adapter for a member's mail log: one line per decision the mail sender made (sent,
 * deferred until, skipped or failed, with the reason), written in the same transaction as the
 * mail record's transition, so the log never tells of a decision that was not made. A mail
 * deferred and later sent has two lines. Kept after the mail's own record expires, until its
 * TTL (`expiresAt`, `retentionDays` after the decision).
 */
export class MailLog {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays = DEFAULT_MAIL_LOG_RETENTION_DAYS,
  ) {}

  /** The log item of one decision (its lead ref names it). */
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

  /** One page of the member's mail log, newest first. */
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
    const items = (page.Items ?? []).map(
      // Lines written before every decision was logged carry no status: only sent mail was.
      (item) => ({ ...item, status: item.status ?? 'sent' }) as MailLogEntry,
    );
    return { items, ...(page.LastEvaluatedKey ? { cursor: page.LastEvaluatedKey } : {}) };
  }
}
