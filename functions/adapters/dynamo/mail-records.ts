import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { EmailKind } from '../../config/email-kinds';
import type { MailJob } from '../../contract/mail-job';
import { conditionalWrite } from './common';
import { type GuardedWrite, runGuardedTransaction } from './transactions';
import { memberPk } from './keys';
import { mailDuePk, mailDueShard, mailSk } from './mail-keys';

/**
 * The life of one mail, `(customer, kind, ref)`:
 *
 *   (none) ──defer──▶ deferred ──claim──▶ claimed ──markSent──▶ sent
 *      │                 │                  │  ├──release──▶ open ──claim──▶ …
 *      ├──claim──────────┴──skip──▶ skipped (or failed) └──markFailed──▶ failed
 *      └──open──▶ open (the local copy's queue, as it takes a request; see `open`)
 *
 * `claim` is the conditional write that makes a mail go out at most once: it succeeds only on
 * a mail that is new, open, deferred, or claimed by a sender whose lease ran out. Every
 * decision (skip, defer, markSent, markFailed) writes its line of the mail log (mail-log.ts)
 * in the same transaction, so the member API can list every decision, newest first.
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
  /** When the record last changed (UTC ISO). */
  readonly updatedAt?: string;
}

/** One write that must hold for a claim to succeed (the cap, an address not suppressed), and what its failure means. */
export interface ClaimGuard<Cause extends string> {
  readonly item: TransactItem;
  readonly failsAs: Cause;
}

export interface ClaimRequest<Cause extends string = never> {
  readonly customerId: string;
  readonly kind: EmailKind;
  /** The mail that leads (its job is the one being processed) and any it carries along. */
  readonly refs: readonly string[];
  readonly jobs: ReadonlyMap<string, MailJob>;
  readonly token: string;
  readonly now: Date;
  readonly leaseUntil: Date;
  /** Other items in the same transaction; the first whose condition fails names the outcome. */
  readonly guards?: readonly ClaimGuard<Cause>[];
}

export type ClaimOutcome<Cause extends string = never> =
  | { readonly claimed: true }
  | { readonly claimed: false; readonly cause: Cause }
  | { readonly claimed: false; readonly cause: 'mail'; readonly refs: readonly string[] };

export type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/** How long settled mail records are kept for deduplication: far beyond any redelivery. The log stays. */
const RECORD_TTL_DAYS = 400;

/**
 * The transitions' conditions, each named once. `CLAIMABLE`: new, open, deferred, or claimed
 * under a lease that ran out (needs `:now`). `HELD_BY_CLAIMANT`: still claimed by this sender
 * (needs `:token`); a sender that lost its claim never settles somebody else's.
 */
export const CLAIMABLE = 'attribute_not_exists(pk) OR #status IN (:open, :deferred) OR (#status = :claimed AND leaseUntil <= :now)';
export const CLAIMABLE_VALUES = { ':open': 'open', ':deferred': 'deferred', ':claimed': 'claimed' } as const;
export const HELD_BY_CLAIMANT = 'claimToken = :token';
/** none → open (put): a request the local copy's queue holds, written down before it is processed. */
export const OPEN = { to: 'open', when: 'attribute_not_exists(pk)' } as const;
/** claimable → skipped (put). */
export const SKIP = { to: 'skipped', when: CLAIMABLE } as const;
/** claimable → failed (put): the mail cannot be made (its data fails the template), so it is never tried. */
export const FAIL_UNSENT = { to: 'failed', when: CLAIMABLE } as const;
/** claimable → deferred (put, indexed in `due`). */
export const DEFER = { to: 'deferred', when: CLAIMABLE } as const;
/** claimable → claimed (update, lease and token). */
export const CLAIM = { to: 'claimed', when: CLAIMABLE } as const;
/** claimed → open (the send was definitely not accepted). */
export const RELEASE = { to: 'open', when: HELD_BY_CLAIMANT } as const;
/** claimed → sent. */
export const MARK_SENT = { to: 'sent', when: HELD_BY_CLAIMANT } as const;
/** claimed → failed (refused for good). */
export const MARK_FAILED = { to: 'failed', when: HELD_BY_CLAIMANT } as const;

/** The reasons a transaction was cancelled, by item position; undefined when the error is not a cancellation. */
export function cancellationCodes(error: unknown): (string | undefined)[] | undefined {
  if (error instanceof TransactionCanceledException || (error as { name?: string }).name === 'TransactionCanceledException') {
    return ((error as TransactionCanceledException).CancellationReasons ?? []).map((r) => r.Code);
  }
  return undefined;
}

export const recordExpiresAt = (now: Date) => Math.floor(now.getTime() / 1000) + RECORD_TTL_DAYS * 86_400;

/** Whether a mail asked for at `askedAt` (UTC ISO) may have had its settled record expire by `now`: its absence then tells nothing. */
export const recordMayHaveExpired = (askedAt: string, now: Date) => Date.parse(askedAt) + RECORD_TTL_DAYS * 86_400_000 <= now.getTime();

/** The key of one mail's record. */
export const mailRecordKey = (customerId: string, kind: EmailKind, ref: string) => ({ pk: memberPk(customerId), sk: mailSk(kind, ref) });

/** The DynamoDB adapter for the mail record state machine above (one item per mail). */
export class MailRecords {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(customerId: string, kind: EmailKind, ref: string): Promise<MailRecord | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: mailRecordKey(customerId, kind, ref), ConsistentRead: true }),
    );
    return Item as MailRecord | undefined;
  }

  /** Several records of one member and kind, strongly consistent (one BatchGetItem per 100). */
  async getMany(customerId: string, kind: EmailKind, refs: readonly string[]): Promise<Map<string, MailRecord>> {
    const found = new Map<string, MailRecord>();
    for (let i = 0; i < refs.length; i += 100) {
      let keys: Record<string, unknown>[] = refs.slice(i, i + 100).map((ref) => mailRecordKey(customerId, kind, ref));
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

  /**
   * Writes a request down as an open mail when the mail has no record yet (any record means
   * a sender has seen it). The local copy's in-process queue does this as it takes a request,
   * standing in for SQS keeping a message until it is handled, so a crash cannot lose it: on
   * start the copy queues every open record again (`listUnsettled`). False when a record exists.
   */
  async open(job: MailJob, now: Date): Promise<boolean> {
    return this.put({ ...this.base(job.customerId, job.kind, job.ref), status: OPEN.to, job, updatedAt: now.toISOString() }, OPEN.when, {});
  }

  /**
   * Every mail record that is open, deferred or claimed, in the whole table: what a local
   * copy that stopped abruptly left unsettled. A Scan, for the local copy's start only; in AWS
   * the SQS queue keeps unfinished requests and nothing reads mail records this way.
   */
  async listUnsettled(): Promise<MailRecord[]> {
    const found: MailRecord[] = [];
    let cursor: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new ScanCommand({
          TableName: this.tableName,
          ConsistentRead: true,
          FilterExpression: 'begins_with(sk, :mail) AND #status IN (:open, :deferred, :claimed)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':mail': 'MAIL#', ...CLAIMABLE_VALUES },
          ...(cursor ? { ExclusiveStartKey: cursor } : {}),
        }),
      );
      found.push(...((page.Items ?? []) as MailRecord[]));
      cursor = page.LastEvaluatedKey;
    } while (cursor);
    return found;
  }

  /**
   * Records that the mail will never go out and why (no consent, a suppressed address…; `failed`
   * for data no retry can mend), with its line in the mail log (`logEntry`), in one transaction.
   * False if it was settled or claimed meanwhile: then nothing is written.
   */
  async skip(input: {
    customerId: string;
    kind: EmailKind;
    ref: string;
    status: typeof SKIP.to | typeof FAIL_UNSENT.to;
    reason: string;
    now: Date;
    logEntry: Record<string, unknown>;
  }): Promise<boolean> {
    const { customerId, kind, ref, status, reason, now } = input;
    return this.putLogged(
      { ...this.base(customerId, kind, ref), status, reason, updatedAt: now.toISOString(), expiresAt: recordExpiresAt(now) },
      (status === FAIL_UNSENT.to ? FAIL_UNSENT : SKIP).when,
      { ...CLAIMABLE_VALUES, ':now': now.toISOString() },
      input.logEntry,
    );
  }

  /**
   * Defers the mail to `notBefore` and indexes it there (in the `due` GSI, partitions the
   * release job reads), with its line in the mail log, in one transaction. Keeps the job, so
   * the release job can queue it again as it was. False if it was settled or claimed meanwhile.
   */
  async defer(
    job: MailJob,
    notBefore: Date,
    reason: string,
    now: Date,
    logEntry: Record<string, unknown>,
    /** Written in the same transaction: the marketing cap's hold for the mail (its priority). */
    also?: TransactItem,
  ): Promise<boolean> {
    const base = this.base(job.customerId, job.kind, job.ref);
    const at = notBefore.toISOString();
    const nowIso = now.toISOString();
    // Never index into a month before the current one: the release job may have left it behind.
    const month = (at > nowIso ? at : nowIso).slice(0, 7);
    return this.putLogged(
      {
        ...base,
        status: DEFER.to,
        job,
        notBefore: at,
        reason,
        duePk: mailDuePk(month, mailDueShard(base.pk, base.sk)),
        dueSk: at,
        updatedAt: nowIso,
      },
      DEFER.when,
      { ...CLAIMABLE_VALUES, ':now': nowIso },
      logEntry,
      also,
    );
  }

  /**
   * Claims every mail in `refs` for one send, with the `guards` (the marketing cap's new
   * count, the address not suppressed), in one transaction: either the sender holds all of
   * them and every guard held, or nothing changed. Tells which part failed.
   */
  async claim<Cause extends string = never>(request: ClaimRequest<Cause>): Promise<ClaimOutcome<Cause>> {
    const { customerId, kind, token } = request;
    const now = request.now.toISOString();
    const claims: TransactItem[] = request.refs.map((ref) => {
      const job = request.jobs.get(ref);
      return {
        Update: {
          TableName: this.tableName,
          Key: mailRecordKey(customerId, kind, ref),
          UpdateExpression:
            'SET #status = :claimedNew, customerId = :customerId, kind = :kind, #ref = :ref, claimToken = :token, leaseUntil = :lease, claimedAt = :now, updatedAt = :now, attempts = if_not_exists(attempts, :zero) + :one' +
            (job ? ', job = :job' : '') +
            ' REMOVE duePk, dueSk',
          ConditionExpression: CLAIM.when,
          ExpressionAttributeNames: { '#status': 'status', '#ref': 'ref' },
          ExpressionAttributeValues: {
            ...CLAIMABLE_VALUES,
            ':claimedNew': CLAIM.to,
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
    const guards = request.guards ?? [];
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: [...claims, ...guards.map((g) => g.item)] }));
      return { claimed: true };
    } catch (error) {
      const codes = cancellationCodes(error);
      if (!codes) throw error;
      const failedGuard = guards.find((_, i) => codes[request.refs.length + i] === 'ConditionalCheckFailed');
      if (failedGuard) return { claimed: false, cause: failedGuard.failsAs };
      const taken = request.refs.filter((_, i) => codes[i] === 'ConditionalCheckFailed');
      // Cancelled for another reason (a conflicting concurrent transaction): the caller tries again.
      return { claimed: false, cause: 'mail', refs: taken };
    }
  }

  /** Gives claimed mail back (it was definitely not sent, e.g. SES throttled it) so the retry can claim it at once. */
  async release(customerId: string, kind: EmailKind, refs: readonly string[], token: string, now: Date): Promise<void> {
    await Promise.all(
      refs.map((ref) =>
        this.update(customerId, kind, ref, 'SET #status = :open, updatedAt = :now REMOVE claimToken, leaseUntil', RELEASE.when, {
          ':open': RELEASE.to,
          ':now': now.toISOString(),
          ':token': token,
        }),
      ),
    );
  }

  /**
   * Marks claimed mail sent and writes `logEntry` (the mail log's line) in one
   * transaction conditioned on this sender's claim. False when the claim was lost (the send
   * outlived its lease and another sender took over): the mail went out, so it is logged anyway.
   */
  async markSent(input: {
    customerId: string;
    kind: EmailKind;
    refs: readonly string[];
    token: string;
    messageId: string;
    subject: string;
    sentAt: Date;
    logEntry: Record<string, unknown>;
  }): Promise<boolean> {
    const { customerId, kind, refs, token } = input;
    const lead = refs[0] ?? '';
    const at = input.sentAt.toISOString();
    const log = { TableName: this.tableName, Item: input.logEntry };
    const updates: TransactItem[] = refs.map((ref) => ({
      Update: {
        TableName: this.tableName,
        Key: mailRecordKey(customerId, kind, ref),
        UpdateExpression:
          'SET #status = :sent, messageId = :messageId, subject = :subject, sentAt = :at, sentWith = :lead, updatedAt = :at, expiresAt = :ttl REMOVE claimToken, leaseUntil, job',
        ConditionExpression: MARK_SENT.when,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':sent': MARK_SENT.to,
          ':messageId': input.messageId,
          ':subject': input.subject,
          ':at': at,
          ':lead': lead,
          ':ttl': recordExpiresAt(input.sentAt),
          ':token': token,
        },
      },
    }));
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: [...updates, { Put: log }] }));
      return true;
    } catch (error) {
      if (!cancellationCodes(error)) throw error;
      await this.doc.send(new PutCommand(log));
      return false;
    }
  }

  /**
   * Records that SES refused the mail for good (it will not be tried again) and logs it, in one
   * transaction conditioned on this sender's claim. When the claim was lost, nothing is written:
   * the sender that took it over decides, and logs, the mail.
   */
  async markFailed(input: {
    customerId: string;
    kind: EmailKind;
    refs: readonly string[];
    token: string;
    reason: string;
    now: Date;
    logEntry: Record<string, unknown>;
  }): Promise<void> {
    const { customerId, kind, token, reason } = input;
    const now = input.now.toISOString();
    const updates: GuardedWrite<'lost'>[] = input.refs.map((ref) => ({
      item: {
        Update: {
          TableName: this.tableName,
          Key: mailRecordKey(customerId, kind, ref),
          UpdateExpression: 'SET #status = :failed, reason = :reason, updatedAt = :now, expiresAt = :ttl REMOVE claimToken, leaseUntil',
          ConditionExpression: MARK_FAILED.when,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':failed': MARK_FAILED.to,
            ':reason': reason,
            ':now': now,
            ':ttl': recordExpiresAt(input.now),
            ':token': token,
          },
        },
      },
      failsAs: 'lost',
    }));
    await runGuardedTransaction(
      this.doc,
      [...updates, { item: { Put: { TableName: this.tableName, Item: input.logEntry } }, failsAs: 'lost' }],
      'lost',
    );
  }

  private base(customerId: string, kind: EmailKind, ref: string) {
    return { ...mailRecordKey(customerId, kind, ref), type: 'mail', customerId, kind, ref };
  }

  private update(
    customerId: string,
    kind: EmailKind,
    ref: string,
    expression: string,
    condition: string,
    values: Record<string, unknown>,
  ): Promise<boolean> {
    return conditionalWrite(
      this.doc,
      new UpdateCommand({
        TableName: this.tableName,
        Key: mailRecordKey(customerId, kind, ref),
        UpdateExpression: expression,
        ConditionExpression: condition,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: values,
      }),
    );
  }

  private put(item: Record<string, unknown>, condition: string, values: Record<string, unknown>): Promise<boolean> {
    return conditionalWrite(
      this.doc,
      new PutCommand({
        TableName: this.tableName,
        Item: item,
        ConditionExpression: condition,
        // DynamoDB refuses names and values a condition does not use (`open`'s uses neither).
        ...(condition.includes('#status') ? { ExpressionAttributeNames: { '#status': 'status' } } : {}),
        ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
      }),
    );
  }

  /** A conditional put of a record and its mail-log line in one transaction: true when both were written. */
  private async putLogged(
    item: Record<string, unknown>,
    condition: string,
    values: Record<string, unknown>,
    logEntry: Record<string, unknown>,
    also?: TransactItem,
  ): Promise<boolean> {
    const outcome = await runGuardedTransaction(
      this.doc,
      [
        {
          item: {
            Put: {
              TableName: this.tableName,
              Item: item,
              ConditionExpression: condition,
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: values,
            },
          },
          failsAs: 'taken' as const,
        },
        { item: { Put: { TableName: this.tableName, Item: logEntry } }, failsAs: 'taken' as const },
        ...(also ? [{ item: also, failsAs: 'taken' as const }] : []),
      ],
      'taken',
    );
    return outcome === 'committed';
  }
}
