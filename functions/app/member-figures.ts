import type { LedgerStore, MemberState } from '../adapters/dynamo/ledger-store';
import type { ProgramConfig } from '../config/program';
import { groupOf } from '../domain/measurement/groups';
import { type MemberFigures, memberFiguresFromView, memberFiguresOf } from '../domain/member-view';
import { foldLedger } from '../domain/points';

/**
 * A member's figures now: from the view the last ledger write stored (one item, already read
 * with the state), or, when it cannot tell (a review or an expiry has come since), from the
 * whole ledger folded to now. The member API and the flows' audience read them this one way.
 */
export async function figuresNow(
  config: ProgramConfig,
  ledger: Pick<LedgerStore, 'read'>,
  customerId: string,
  state: MemberState | undefined,
  nowMs: number,
): Promise<MemberFigures> {
  return (
    (state?.view ? memberFiguresFromView(config, state.view, nowMs) : undefined) ??
    memberFiguresOf(
      config,
      foldLedger(
        config,
        (await ledger.read(customerId)).entries.map((e) => e.input),
        { asOf: nowMs, control: groupOf(config, customerId) === 'control' },
      ),
      nowMs,
    )
  );
}
