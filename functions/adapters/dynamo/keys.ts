/** Key builders for the single-table layout documented in table-definition.ts. */
export const memberPk = (customerId: string): string => `MEMBER#${customerId}`;
export const PROFILE_SK = 'PROFILE';
export const LEDGER_PREFIX = 'L#';
/** Sorts after every ledger entry (`L#2…`), so a Query of `L#` returns the entries and the state together. */
export const STATE_SK = 'L#~STATE';
/** Upper bound of the ledger entries alone (excludes the state item). */
export const LEDGER_END = 'L#~';

export const ledgerSk = (atIso: string, kind: string, ref: string): string => `L#${new Date(atIso).toISOString()}#${kind}#${ref}`;
export const correctionSk = (atIso: string, triggerKey: string): string => `L#${new Date(atIso).toISOString()}#~fix#${triggerKey}`;
