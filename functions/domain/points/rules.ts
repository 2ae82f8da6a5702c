import type { ProgramConfig } from '../../config/program';

/** The rules in force at an instant: the revision number (0: the file's base rules) and the config with that revision applied. */
export interface RulesInForce {
  readonly revision: number;
  readonly rules: ProgramConfig;
}

/** Revision 0 is in force from the beginning; revision i from `revisions[i - 1].effectiveFrom`. */
interface Revision extends RulesInForce {
  readonly from: number;
}

/** Never empty: revision 0 is always there. */
type Revisions = readonly [Revision, ...Revision[]];

const memo = new WeakMap<ProgramConfig, Revisions>();

/** Every revision of a config as a whole config, oldest first (computed once per config object). */
export function revisionsOf(config: ProgramConfig): Revisions {
  let revisions = memo.get(config);
  if (!revisions) {
    const list: [Revision, ...Revision[]] = [{ revision: 0, from: Number.NEGATIVE_INFINITY, rules: config }];
    let rules = config;
    (config.revisions ?? []).forEach(({ effectiveFrom, note: _note, ...changed }, i) => {
      const defined = Object.fromEntries(Object.entries(changed).filter(([, v]) => v !== undefined));
      rules = { ...rules, ...defined };
      list.push({ revision: i + 1, from: Date.parse(effectiveFrom), rules });
    });
    revisions = list;
    memo.set(config, revisions);
  }
  return revisions;
}

/**
 * The pricing rules in force at `atMs` (business time): the latest revision whose
 * `effectiveFrom` is at or before it. An event is priced by the rules of its own time, so a
 * rule change never re-prices what happened before it, however late it arrives.
 */
export function rulesAt(config: ProgramConfig, atMs: number): RulesInForce {
  const revisions = revisionsOf(config);
  let found: RulesInForce = revisions[0];
  for (const r of revisions) {
    if (r.from > atMs) break;
    found = r;
  }
  return found;
}
