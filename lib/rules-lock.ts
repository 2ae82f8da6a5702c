import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { InvalidProgramConfigError, type ProgramConfig } from '../functions/config/program';
import { RULE_FIELDS } from '../functions/config/rule-revisions';

/**
 * The guard that keeps a client file from rewriting the past (docs/rule-changes.md).
 *
 * `clients/<name>.rules.lock.json` records the pricing rules of every revision of the file (the
 * base rules are revision 0) as last accepted. Each time the file is loaded (`cdk synth`,
 * `npm start`) the rules are checked against it: a revision that has taken effect must keep its
 * `effectiveFrom` and every rule as far as it has been in force (a campaign that has not started
 * yet may still change, one that has may not end before now); a new revision must take effect in
 * the future. Then the lock is brought up to date, to be committed with the client file.
 */

const LockSchema = z.object({
  lockVersion: z.literal(1),
  revisions: z.array(z.object({ effectiveFrom: z.string().nullable(), rules: z.record(z.string(), z.unknown()) })),
});
export type RulesLock = z.infer<typeof LockSchema>;

/** Thrown when the lock file itself cannot be read (edited by hand into something else). */
export class RulesLockError extends Error {
  override readonly name = 'RulesLockError';
}

type Campaign = ProgramConfig['campaigns'][number];

/** The rule fields of each revision, as whole rules: revision i carries every field in force from it on. */
export function lockOf(config: ProgramConfig): RulesLock {
  const base = Object.fromEntries(RULE_FIELDS.map((f) => [f, config[f]]));
  return {
    lockVersion: 1,
    revisions: [
      { effectiveFrom: null, rules: base },
      ...config.revisions.map(({ effectiveFrom, ...changed }) => ({
        effectiveFrom,
        rules: Object.fromEntries(RULE_FIELDS.filter((f) => changed[f] !== undefined).map((f) => [f, changed[f]])),
      })),
    ],
  };
}

/**
 * What of a revision's rules has happened by `now`: campaigns that have not started are left
 * out, and the end of a running one is cut at `now` (ending it early, from now on, is allowed).
 */
function pastPart(rules: Record<string, unknown>, now: number): Record<string, unknown> {
  const campaigns = rules.campaigns;
  if (!Array.isArray(campaigns)) return rules;
  const started = (campaigns as Campaign[])
    .filter((c) => Date.parse(c.start) <= now)
    .map((c) => ({ ...c, end: Date.parse(c.end) > now ? 'after now' : c.end }));
  return { ...rules, campaigns: started };
}

/** The first path at which two JSON values differ (`tiers.1.multiplier`), or undefined when equal. */
function firstDifference(a: unknown, b: unknown, path: string): string | undefined {
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return Object.is(a, b) ? undefined : path;
  if (Array.isArray(a) !== Array.isArray(b)) return path;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  for (const key of keys) {
    const at = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], path ? `${path}.${key}` : key);
    if (at !== undefined) return at;
  }
  return undefined;
}

const fieldOf = (index: number, rest: string) => (index === 0 ? rest : `revisions[${index - 1}]${rest ? `.${rest}` : ''}`);
const effectiveMs = (effectiveFrom: string | null) => (effectiveFrom === null ? Number.NEGATIVE_INFINITY : Date.parse(effectiveFrom));

/**
 * Checks `config` against the `lock` last accepted, at `now`; returns the issues, each naming the
 * client-file field and what to do instead. No lock (a new client): nothing has been priced yet.
 */
export function rulesLockIssues(config: ProgramConfig, lock: RulesLock | undefined, now: number): { path: string; message: string }[] {
  const current = lockOf(config).revisions;
  const issues: { path: string; message: string }[] = [];
  const todo = 'rules in force are history: change them from a future instant with a new entry in `revisions` (docs/rule-changes.md)';
  (lock?.revisions ?? []).forEach((locked, i) => {
    const from = effectiveMs(locked.effectiveFrom);
    if (from > now) return; // not in force yet: free to change
    const now_ = current[i];
    if (!now_) {
      issues.push({ path: fieldOf(i, ''), message: `was removed after it took effect (${locked.effectiveFrom}); ${todo}` });
      return;
    }
    if (now_.effectiveFrom !== locked.effectiveFrom) {
      issues.push({ path: fieldOf(i, 'effectiveFrom'), message: `changed from ${locked.effectiveFrom} after it took effect; ${todo}` });
      return;
    }
    const changed = firstDifference(pastPart(locked.rules, now), pastPart(now_.rules, now), '');
    if (changed !== undefined)
      issues.push({
        path: fieldOf(i, changed),
        message: `changed after it took effect${i === 0 ? '' : ` (${locked.effectiveFrom})`}; ${todo}`,
      });
  });
  current.slice(lock ? lock.revisions.length : current.length).forEach((added, k) => {
    const i = (lock?.revisions.length ?? 0) + k;
    if (effectiveMs(added.effectiveFrom) <= now) {
      issues.push({
        path: fieldOf(i, 'effectiveFrom'),
        message: `${added.effectiveFrom} has passed: a new revision takes effect from now on; set it after ${new Date(now).toISOString()}`,
      });
    }
  });
  return issues;
}

/** Where a client file's lock lives: beside it. */
export const lockPathOf = (clientFile: string): string => clientFile.replace(/\.ts$/, '.rules.lock.json');

/**
 * Checks the client file's rules against its lock and writes the lock up to date.
 *
 * @throws InvalidProgramConfigError naming each field that would rewrite the past
 * @throws RulesLockError when the lock file is not a lock
 */
export function enforceRulesLock(config: ProgramConfig, clientFile: string, source: string, now: number = Date.now()): void {
  const path = lockPathOf(clientFile);
  let lock: RulesLock | undefined;
  if (existsSync(path)) {
    const parsed = LockSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (!parsed.success)
      throw new RulesLockError(
        `${path} is not a rules lock (${parsed.error.issues[0]?.message ?? 'invalid'}): restore it from version control`,
      );
    lock = parsed.data;
  }
  const issues = rulesLockIssues(config, lock, now);
  if (issues.length > 0) throw new InvalidProgramConfigError(source, issues);
  const text = `${JSON.stringify(lockOf(config), null, 2)}\n`;
  if (!existsSync(path) || readFileSync(path, 'utf8') !== text) {
    // Write beside and rename: two processes loading the client at once never read half a lock.
    const partial = `${path}.${process.pid}.tmp`;
    writeFileSync(partial, text);
    renameSync(partial, path);
  }
}
