/**
 * Dated rule revisions (docs/rule-changes.md): the pricing rules of a client file can change
 * only from a stated instant on, so points once awarded stay history. The base rules of the
 * file are revision 0, in force from the beginning; `revisions[i]` (revision i + 1) replaces
 * the rule fields it names from its `effectiveFrom` on, until the next revision.
 */

/** The rule fields a revision may change; each one given replaces the whole field before it. */
export const RULE_FIELDS = ['earnRates', 'categoryMultipliers', 'tiers', 'campaigns', 'activities', 'firstOrderBonus'] as const;
export type RuleField = (typeof RULE_FIELDS)[number];

/** What the cross-revision checks need of a config: its base tiers and its revisions, as parsed. */
interface RevisedConfig {
  readonly tiers: readonly { readonly name: string }[];
  readonly revisions: readonly { readonly effectiveFrom: string; readonly tiers?: readonly { readonly name: string }[] | undefined }[];
}

/**
 * Issues with the revisions as a whole (each revision's own fields are checked by its schema):
 * dates strictly increasing, and no tier dropped or renamed (a member's status is a tier name,
 * so a tier that disappears would leave members with a status no rule prices). Paths are the
 * client file's, e.g. `revisions.1.effectiveFrom`.
 */
export function revisionIssues(config: RevisedConfig): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  let tiers = config.tiers.map((t) => t.name);
  config.revisions.forEach((revision, i) => {
    const previous = config.revisions[i - 1];
    if (previous && !(Date.parse(revision.effectiveFrom) > Date.parse(previous.effectiveFrom))) {
      issues.push({
        path: ['revisions', i, 'effectiveFrom'],
        message: `must be after revisions[${i - 1}].effectiveFrom (${previous.effectiveFrom}): revisions are listed oldest first`,
      });
    }
    if (revision.tiers) {
      const names = revision.tiers.map((t) => t.name);
      const missing = tiers.filter((name) => !names.includes(name));
      const kept = names.filter((name) => tiers.includes(name));
      if (missing.length > 0) {
        issues.push({
          path: ['revisions', i, 'tiers'],
          message: `must keep every earlier tier (missing: ${missing.join(', ')}): members hold them; to retire one, raise its qualifyingPoints or set its multiplier to the tier below`,
        });
      } else if (kept.some((name, k) => name !== tiers[k])) {
        issues.push({
          path: ['revisions', i, 'tiers'],
          message: `must keep the earlier tiers in their order (${tiers.join(', ')}); new tiers may go anywhere`,
        });
      }
      tiers = names;
    }
  });
  return issues;
}
