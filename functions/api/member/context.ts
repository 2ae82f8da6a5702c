import { ChallengeStore } from '../../adapters/dynamo/challenge-store';
import { FlowStore } from '../../adapters/dynamo/flow-store';
import { LedgerStore } from '../../adapters/dynamo/ledger-store';
import { CheckinAnswers } from '../../adapters/dynamo/checkin-answers';
import { MailRecords } from '../../adapters/dynamo/mail-records';
import { PagedLists } from '../../adapters/dynamo/paged-lists';
import { ProfileStore } from '../../adapters/dynamo/profile-store';
import { ReportCounters } from '../../adapters/dynamo/report-counters';
import { TimelineStore } from '../../adapters/dynamo/timeline-store';
import type { HandlerDeps } from '../../handlers/registry';

/** What the member API needs: the handlers' dependencies without a dead-letter sink (a bad request is answered, not queued). */
export type MemberApiDeps = Omit<HandlerDeps, 'deadLetters'>;

/** The stores the operations share, built once per handler (per execution environment in Lambda). */
export interface MemberApiContext {
  readonly deps: MemberApiDeps;
  readonly ledger: LedgerStore;
  readonly profiles: ProfileStore;
  readonly timeline: TimelineStore;
  readonly challenges: ChallengeStore;
  readonly checkins: CheckinAnswers;
  readonly lists: PagedLists;
  readonly flows: FlowStore;
  /** Mail records: what became of the mail an emitted timeline item asked for. */
  readonly mail: MailRecords;
  readonly reportCounters: ReportCounters;
}

export function memberApiContext(deps: MemberApiDeps): MemberApiContext {
  return {
    deps,
    ledger: new LedgerStore(deps.dynamo, deps.tableName),
    profiles: new ProfileStore(deps.dynamo, deps.tableName),
    timeline: new TimelineStore(deps.dynamo, deps.tableName),
    challenges: new ChallengeStore(deps.dynamo, deps.tableName),
    checkins: new CheckinAnswers(deps.dynamo, deps.tableName),
    lists: new PagedLists(deps.dynamo, deps.tableName),
    flows: new FlowStore(deps.dynamo, deps.tableName),
    mail: new MailRecords(deps.dynamo, deps.tableName),
    reportCounters: new ReportCounters(deps.dynamo, deps.tableName),
  };
}
