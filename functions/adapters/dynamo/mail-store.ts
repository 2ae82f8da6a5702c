import { isConditionFailure } from './common';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { EmailKind } from '../../config/email-kinds';
import type { MailJob } from '../../contract/mail-job';
import { memberPk, STATE_SK } from './keys';
import { checkinAnswerSk, MAIL_CAP_SK, MAIL_LOG_PREFIX, mailDuePk, mailDueShard, mailLogSk, mailSk, suppressionKey } from './mail-keys';

/**
 * The life of one mail, `(customer, kind, ref)`:
 *
 *   (none) ──defer──▶ deferred ──claim──▶ claimed ──markSent──▶ sent
 *      │                 │                  │  ├──release──▶ open ──claim──▶ …
 *      └──claim──────────┴──skip──▶ skipped └──markFailed──▶ failed
 *
 * `claim` is the conditional write that makes a mail go out at most once: it succeeds only on
 * a mail that is new, open, deferred, or claimed by a sender whose lease ran out.
 */
export type MailStatus = 'open' | 'deferred' | 'claimed' | 'sent' | 'skipped' | 'failed';

export interface MailRecord {
  readonly pk: string;
  readonly sk: string;
  readonly customerId: string;
  readonly kind: EmailKind;
  readonly ref: string;
  readonly status: MailStatus;
  readonly job?: MailJob;
  /** While deferred: not before this instant (UTC ISO). */
  readonly notBefore?: string;
  readonly claimToken?: string;
  readonly leaseUntil?: string;
  readonly attempts?: number;
  /** How many times the release job put it back on the queue. */
  readonly releases?: number;
  readonly messageId?: string;
  readonly subject?: string;
  readonly sentAt?: string;
  /** The ref of the mail that carried this one (a same-day digest); its own ref when it led. */
  readonly sentWith?: string;
  readonly reason?: string;
}

/** One line of the sent-mail log, as the member API shows it. */
export interface MailLogEntry {
  readonly at: string;
  readonly kind: EmailKind;
  readonly subject: string;
  readonly messageId: string;
  readonly mailClass: 'service' | 'marketing';
  /** The refs this mail covered (several for a same-day digest). */
  readonly refs: readonly string[];
}

export interface CapState {
  /** Recent marketing sends: when (UTC ISO) and which mail. */
  readonly sends: readonly { readonly at: string; readonly ref: string; readonly kind: string }[];
  /** 0 when the member has none yet. */
  readonly version: number;
}

export interface ClaimRequest {
  readonly customerId: string;
  readonly kind: EmailKind;
  /** The mail that leads (its job is the one being processed) and any it carries along. */
  readonly refs: readonly string[];
  readonly jobs: ReadonlyMap<string, MailJob>;
  readonly token: string;
  readonly now: Date;
  readonly leaseUntil: Date;
  /** For marketing mail: the cap as read, and the send to add to it in the same transaction. */
  readonly cap?: { readonly read: CapState; readonly keepAfter: Date; readonly add: { readonly at: string; readonly ref: string; readonly kind: string } };
}

export type ClaimOutcome =
  | { readonly claimed: true }
  | { readonly claimed: false; readonly cause: 'cap' }
  | { readonly claimed: false; readonly cause: 'mail'; readonly refs: readonly string[] };

/** How long settled mail records are kept for deduplication: far beyond any redelivery. The log stays. */
const RECORD_TTL_DAYS = 400;

const CLAIMABLE =
  'attribute_not_exists(pk) OR #status IN (:open, :deferred) OR (#status = :claimed AND leaseUntil <= :now)';
const CLAIMABLE_VALUES = { ':open': 'open', ':deferred': 'deferred', ':claimed': 'claimed' } as const;


function cancellationCodes(error: unknown): (string | undefined)[] | undefined {
  if (error instanceof TransactionCanceledException || (error as { name?: string }).name === 'TransactionCanceledException') {
    return ((error as TransactionCanceledException).CancellationReasons ?? []).map((r) => r.Code);
  }
  return undefined;
}

const expiresAt = (now: Date) => Math.floor(now.getTime() / 1000) + RECORD_TTL_DAYS * 86_400;

/** The DynamoDB adapter for members' mail: records, the sent-mail log, the marketing cap, check-in answers. */
export class MailStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(customerId: string, kind: EmailKind, ref: string): Promise<MailRecord | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: memberPk(customerId), sk: mailSk(kind, ref) }, ConsistentRead: true }),
    );
    return Item as MailRecord | undefined;
  }

  /** Several records of one member and kind, strongly consistent (one BatchGetItem per 100). */
  async getMany(customerId: string, kind: EmailKind, refs: readonly string[]): Promise<Map<string, MailRecord>> {
    const found = new Map<string, MailRecord>();
    for (let i = 0; i < refs.length; i += 100) {
      let keys: Record<string, unknown>[] = refs.slice(i, i + 100).map((ref) => ({ pk: memberPk(customerId), sk: mailSk(kind, ref) }));
      while (keys.length > 0) {
        const answer = await this.doc.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of answer.Responses?.[this.tableName] ?? []) found.set(String(item.ref), item as MailRecord);
        keys = (answer.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
      }
    }
    return found;
  }

  /** Records that the mail will never go out and why (no consent, a suppressed address…). False if it was settled or claimed meanwhile. */
  async skip(customerId: string, kind: EmailKind, ref: string, reason: string, now: Date): Promise<boolean> {
    return this.conditionalPut(
      { ...this.base(customerId, kind, ref), status: 'skipped', reason, updatedAt: now.toISOString(), expiresAt: expiresAt(now) },
      CLAIMABLE,
      { ...CLAIMABLE_VALUES, ':now': now.toISOString() },
    );
  }

  /**
   * Defers the mail to `notBefore` and indexes it there (in the `due` GSI, partitions the
   * release job reads). Keeps the job, so the release job can queue it again as it was.
   */
  async defer(job: MailJob, notBefore: Date, reason: string, now: Date): Promise<boolean> {
    const base = this.base(job.customerId, job.kind, job.ref);
    const at = notBefore.toISOString();
    const nowIso = now.toISOString();
    // Never index into a month before the current one: the release job may have left it behind.
    const month = (at > nowIso ? at : nowIso).slice(0, 7);
    return this.conditionalPut(
      {
        ...base,
        status: 'deferred',
        job,
        notBefore: at,
        reason,
        duePk: mailDuePk(month, mailDueShard(base.pk, base.sk)),
        dueSk: at,
        updatedAt: nowIso,
      },
      CLAIMABLE,
      { ...CLAIMABLE_VALUES, ':now': nowIso },
    );
  }

  /**
   * Claims every mail in `refs` for one send, and for marketing mail adds the send to the
   * member's cap, in one transaction: either the sender holds all of them and the cap counts
   * the mail, or nothing changed. Tells which part was taken by someone else.
   */
  async claim(request: ClaimRequest): Promise<ClaimOutcome> {
    const { customerId, kind, token } = request;
    const now = request.now.toISOString();
    const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = request.refs.map((ref) => {
      const job = request.jobs.get(ref);
      return {
        Update: {
          TableName: this.tableName,
          Key: { pk: memberPk(customerId), sk: mailSk(kind, ref) },
          UpdateExpression:
            'SET #status = :claimedNew, customerId = :customerId, kind = :kind, #ref = :ref, claimToken = :token, leaseUntil = :lease, claimedAt = :now, updatedAt = :now, attempts = if_not_exists(attempts, :zero) + :one' +
            (job ? ', job = :job' : '') +
            ' REMOVE duePk, dueSk',
          ConditionExpression: CLAIMABLE,
          ExpressionAttributeNames: { '#status': 'status', '#ref': 'ref' },
          ExpressionAttributeValues: {
            ...CLAIMABLE_VALUES,
            ':claimedNew': 'claimed',
            ':customerId': customerId,
            ':kind': kind,
            ':ref': ref,
            ':token': token,
            ':lease': request.leaseUntil.toISOString(),
            ':now': now,
            ':zero': 0,
            ':one': 1,
            ...(job ? { ':job': job } : {}),
          },
        },
      };
    });
    if (request.cap) {
      const keepAfter = request.cap.keepAfter.toISOString();
      const sends = [...request.cap.read.sends.filter((s) => s.at > keepAfter), request.cap.add];
      const version = request.cap.read.version;
      items.push({
        Put: {
          TableName: this.tableName,
          Item: { pk: memberPk(customerId), sk: MAIL_CAP_SK, type: 'mail-cap', sends, version: version + 1, updatedAt: now },
          ConditionExpression: version === 0 ? 'attribute_not_exists(pk)' : 'version = :v',
          ...(version === 0 ? {} : { ExpressionAttributeValues: { ':v': version } }),
        },
      });
    }
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return { claimed: true };
    } catch (error) {
      const codes = cancellationCodes(error);
      if (!codes) throw error;
      if (request.cap && codes[request.refs.length] === 'ConditionalCheckFailed') return { claimed: false, cause: 'cap' };
      const taken = request.refs.filter((_, i) => codes[i] === 'ConditionalCheckFailed');
      // Cancelled for another reason (a conflicting concurrent transaction): the caller tries again.
      return { claimed: false, cause: 'mail', refs: taken };
    }
  }

  /**
   * Gives claimed mail back (it was definitely not sent, e.g. SES throttled it) so the retry
   * can claim it at once, and takes its send out of the cap. The cap write is best effort: a
   * send left in it only makes the cap stricter for a few days.
   */
  async release(customerId: string, kind: EmailKind, refs: readonly string[], token: string, now: Date, capRef?: string): Promise<void> {
    await Promise.all(
      refs.map((ref) =>
        this.update(customerId, kind, ref, 'SET #status = :open, updatedAt = :now REMOVE claimToken, leaseUntil', 'claimToken = :token', {
          ':open': 'open',
          ':now': now.toISOString(),
          ':token': token,
        }),
      ),
    );
    if (capRef === undefined) return;
    const cap = await this.readCap(customerId);
    if (!cap.sends.some((s) => s.ref === capRef && s.kind === kind)) return;
    await this.conditionalPut(
      {
        pk: memberPk(customerId),
        sk: MAIL_CAP_SK,
        type: 'mail-cap',
        sends: cap.sends.filter((s) => !(s.ref === capRef && s.kind === kind)),
        version: cap.version + 1,
        updatedAt: now.toISOString(),
      },
      'version = :v',
      { ':v': cap.version },
    );
  }

  /**
   * Marks claimed mail sent and appends it to the member's sent-mail log, in one transaction
   * conditioned on this sender's claim. False when the claim was lost (the send outlived its
   * lease and another sender took over): the mail went out, so it is logged anyway.
   */
  async markSent(input: {
    customerId: string;
    kind: EmailKind;
    refs: readonly string[];
    token: string;
    messageId: string;
    subject: string;
    mailClass: 'service' | 'marketing';
    sentAt: Date;
  }): Promise<boolean> {
    const { customerId, kind, refs, token } = input;
    const lead = refs[0] ?? '';
    const at = input.sentAt.toISOString();
    const log = {
      Put: {
        TableName: this.tableName,
        Item: {
          pk: memberPk(customerId),
          sk: mailLogSk(at, kind, lead),
          type: 'mail-log',
          at,
          kind,
          subject: input.subject,
          messageId: input.messageId,
          mailClass: input.mailClass,
          refs: [...refs],
        },
      },
    };
    const updates = refs.map((ref) => ({
      Update: {
        TableName: this.tableName,
        Key: { pk: memberPk(customerId), sk: mailSk(kind, ref) },
        UpdateExpression:
          'SET #status = :sent, messageId = :messageId, subject = :subject, sentAt = :at, sentWith = :lead, updatedAt = :at, expiresAt = :ttl REMOVE claimToken, leaseUntil, job',
        ConditionExpression: 'claimToken = :token',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':sent': 'sent',
          ':messageId': input.messageId,
          ':subject': input.subject,
          ':at': at,
          ':lead': lead,
          ':ttl': expiresAt(input.sentAt),
          ':token': token,
        },
      },
    }));
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: [...updates, log] }));
      return true;
    } catch (error) {
      if (!cancellationCodes(error)) throw error;
      await this.doc.send(new PutCommand(log.Put));
      return false;
    }
  }

  /** Records that SES refused the mail for good; it will not be tried again. */
  async markFailed(customerId: string, kind: EmailKind, refs: readonly string[], token: string, reason: string, now: Date): Promise<void> {
    await Promise.all(
      refs.map((ref) =>
        this.update(
          customerId,
          kind,
          ref,
          'SET #status = :failed, reason = :reason, updatedAt = :now, expiresAt = :ttl REMOVE claimToken, leaseUntil',
          'claimToken = :token',
          { ':failed': 'failed', ':reason': reason, ':now': now.toISOString(), ':ttl': expiresAt(now), ':token': token },
        ),
      ),
    );
  }

  async readCap(customerId: string): Promise<CapState> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: memberPk(customerId), sk: MAIL_CAP_SK }, ConsistentRead: true }),
    );
    return { sends: (Item?.sends ?? []) as CapState['sends'], version: Number(Item?.version ?? 0) };
  }

  /** One page of the member's sent-mail log, newest first. */
  async logPage(customerId: string, limit: number, cursor?: Record<string, unknown>) {
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

  /** The member's points balance (the ledger's state item), 0 before their first points. */
  async balance(customerId: string): Promise<number> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: memberPk(customerId), sk: STATE_SK }, ProjectionExpression: 'balance' }),
    );
    return Number(Item?.balance ?? 0);
  }

  /** Records a check-in answer (0–10); a later answer replaces an earlier one. */
  async recordCheckinAnswer(customerId: string, orderId: string, score: number, now: Date): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: memberPk(customerId), sk: checkinAnswerSk(orderId), type: 'checkin-answer', orderId, score, answeredAt: now.toISOString() },
      }),
    );
  }

  async checkinAnswer(customerId: string, orderId: string): Promise<{ score: number; answeredAt: string } | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: memberPk(customerId), sk: checkinAnswerSk(orderId) }, ConsistentRead: true }),
    );
    return Item ? { score: Number(Item.score), answeredAt: String(Item.answeredAt) } : undefined;
  }

  async isSuppressed(addressHash: string): Promise<boolean> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: suppressionKey(addressHash), ConsistentRead: true }));
    return Item !== undefined;
  }

  /** Stops all mail to an address (a hard bounce or a complaint); the first reason recorded stays. */
  async suppress(addressHash: string, reason: { kind: 'bounce' | 'complaint'; detail: string; at: string; messageId?: string }): Promise<boolean> {
    return this.conditionalPut({ ...suppressionKey(addressHash), type: 'suppression', ...reason }, 'attribute_not_exists(pk)', undefined);
  }

  private base(customerId: string, kind: EmailKind, ref: string) {
    return { pk: memberPk(customerId), sk: mailSk(kind, ref), type: 'mail', customerId, kind, ref };
  }

  private async update(customerId: string, kind: EmailKind, ref: string, expression: string, condition: string, values: Record<string, unknown>) {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: memberPk(customerId), sk: mailSk(kind, ref) },
          UpdateExpression: expression,
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  private async conditionalPut(item: Record<string, unknown>, condition: string, values: Record<string, unknown> | undefined): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: condition,
          ...(condition.includes('#status') ? { ExpressionAttributeNames: { '#status': 'status' } } : {}),
          ...(values ? { ExpressionAttributeValues: values } : {}),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
