import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BOARD_START, type BoardPosition, type BoardRow } from '../../domain/challenges';
import { ChallengeStore } from './challenge-store';
import { LedgerStore } from './ledger-store';
import { MailLog } from './mail-log';
import { boardCursor, ledgerCursor, mailLogCursor } from './page-cursor';

/** A leaderboard page: its rows, where their places continue from, and the cursor for the place reached. */
export interface BoardListPage {
  readonly rows: readonly BoardRow[];
  readonly from: BoardPosition;
  readonly nextCursor: (reached: BoardPosition) => string | null;
}

/**
 * The member API's paged lists, taking and giving cursors as opaque strings (page-cursor.ts), so
 * nothing above the adapters knows a key shape. A cursor that is not one of these lists' own is
 * a ValidationError naming `cursor`.
 */
export class PagedLists {
  private readonly ledger: LedgerStore;
  private readonly mailLog: MailLog;
  private readonly challenges: ChallengeStore;

  constructor(doc: DynamoDBDocumentClient, tableName: string) {
    this.ledger = new LedgerStore(doc, tableName);
    this.mailLog = new MailLog(doc, tableName);
    this.challenges = new ChallengeStore(doc, tableName);
  }

  /** Ledger entries and corrections, newest first. */
  async ledgerEntries(customerId: string, limit: number, cursor?: string) {
    const start = ledgerCursor.decode(cursor, customerId);
    const page = await this.ledger.page(customerId, limit, start);
    return { items: page.items, nextCursor: ledgerCursor.encode(page.cursor), continued: start !== undefined };
  }

  /** The mail log: every mail decision about the member, newest first. */
  async mailDecisions(customerId: string, limit: number, cursor?: string) {
    const start = mailLogCursor.decode(cursor, customerId);
    const page = await this.mailLog.page(customerId, limit, start);
    return { items: page.items, nextCursor: mailLogCursor.encode(page.cursor), continued: start !== undefined };
  }

  /** A challenge's board, best first. */
  async board(challengeId: string, limit: number, cursor?: string): Promise<BoardListPage> {
    const start = boardCursor.decode(cursor, challengeId);
    const page = await this.challenges.board(challengeId, limit, start?.key);
    return { rows: page.rows, from: start?.position ?? BOARD_START, nextCursor: (reached) => boardCursor.encode(page.cursor, reached) };
  }
}
