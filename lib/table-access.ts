import type { HandlerName } from '../functions/contract/routes';
import type { JobName } from '../functions/contract/jobs';

/**
 * The partition-key prefixes of items in Lojal's table (functions/adapters/dynamo/keys.ts and
 * mail-keys.ts). A function that touches only some of them gets a `dynamodb:LeadingKeys`
 * condition naming those, so a bug or a compromised function cannot read or write another key
 * space. A new key space must be added here and to the functions that use it; a unit test
 * (tests/unit/table-access.test.ts) fails when the adapters write a prefix this list lacks.
 */
export const KEY_SPACES = ['MEMBER#', 'ACCOUNT#', 'REWARD#', 'CHALLENGE#', 'SUPPRESS#', 'SWEEP#', 'JOB#', 'REPORT#'] as const;
export type KeySpace = (typeof KEY_SPACES)[number];

/** The table's global secondary indexes (LOJAL_TABLE.globalSecondaryIndexes). */
export type IndexName = 'due' | 'calendar' | 'audience' | 'board';

/** What one function may do with the table: exactly what its code calls. */
export interface TableAccess {
  /** GetItem, Query and ConditionCheckItem on the table; `readWrite` adds PutItem, UpdateItem, DeleteItem. */
  readonly items: 'read' | 'readWrite';
  /** BatchGetItem, only where the code reads several items at once. @default false */
  readonly batchGet?: boolean;
  /** Indexes the function queries. @default none */
  readonly indexes?: readonly IndexName[];
  /** The key spaces its item reads and writes stay in: a `dynamodb:LeadingKeys` condition. */
  readonly keySpaces: readonly KeySpace[];
}

/**
 * The bus-event handlers that score, profile and time members: one member's partition, and the
 * B2B pool account their points may go to. The email route handlers are not here: they only put
 * a request on the mail queue (see EMAIL_ROUTE_ACCESS).
 */
export const ROUTE_HANDLER_ACCESS: TableAccess = { items: 'readWrite', keySpaces: ['MEMBER#', 'ACCOUNT#', 'REPORT#'] };

/**
 * The flows handler (docs/flows.md): its members' runs, their ledgers (a `points` step, pooled
 * accounts included), its counters, the `audience` index a broadcast enumerates members by (with
 * their facts), and the `calendar` index of the members' dates.
 */
export const FLOWS_ACCESS: TableAccess = {
  items: 'readWrite',
  indexes: ['calendar', 'audience'],
  keySpaces: ['MEMBER#', 'ACCOUNT#', 'REPORT#'],
};

/**
 * The email route handlers: none touches the table, except `welcome-email`, which applies the
 * registration to the profile first so the sender finds the address however the two handlers
 * race (functions/handlers/email-handlers.ts).
 */
export const EMAIL_ROUTE_ACCESS: Partial<Record<HandlerName, TableAccess>> = {
  'welcome-email': { items: 'readWrite', keySpaces: ['MEMBER#'] },
};

/** The scheduled jobs: each reads its index and writes its members' items and its own watermark. */
export const JOB_ACCESS: Record<JobName, TableAccess> = {
  'timeline-sweeper': { items: 'readWrite', indexes: ['due'], keySpaces: ['MEMBER#', 'SWEEP#'] },
  'calendar-daily': { items: 'readWrite', indexes: ['calendar'], keySpaces: ['MEMBER#', 'JOB#'] },
  'ledger-sweeper': { items: 'readWrite', indexes: ['due'], keySpaces: ['MEMBER#', 'ACCOUNT#', 'REPORT#'] },
  'challenge-results': { items: 'readWrite', indexes: ['board'], keySpaces: ['MEMBER#', 'ACCOUNT#', 'CHALLENGE#', 'REPORT#'] },
};

/** The mail functions (lib/lojal-email.ts). */
export const MAIL_ACCESS = {
  /** Mail records, consent, cap, log, the suppression list; several records of one kind at once (BatchGetItem). */
  'email-sender': { items: 'readWrite', batchGet: true, keySpaces: ['MEMBER#', 'SUPPRESS#'] },
  /** Puts bouncing and complaining addresses on the suppression list, nothing else. */
  'email-feedback': { items: 'readWrite', keySpaces: ['SUPPRESS#'] },
  /** Reads deferred mail from the `due` index, releases it, and moves its watermark. */
  'email-release': { items: 'readWrite', indexes: ['due'], keySpaces: ['MEMBER#', 'SWEEP#'] },
} as const satisfies Record<string, TableAccess>;

/**
 * The member API: members' balances, ledgers, redemptions (with the reward stock and pooled
 * accounts), challenge boards and results, the consent and check-in answers of the link routes
 * (an answer adds to the NPS counters, `REPORT#nps#…`), and the program report's counter reads.
 */
export const MEMBER_API_ACCESS: TableAccess = {
  items: 'readWrite',
  indexes: ['board'],
  keySpaces: ['MEMBER#', 'ACCOUNT#', 'REWARD#', 'CHALLENGE#', 'REPORT#'],
};
