/**
 * The program control group (`programHoldoutPercent`, docs/measurement.md): a stable share of
 * members kept outside the program — no points, no marketing mail — whose orders are still
 * recorded, so the program's effect can be measured against them. Assignment is a pure function
 * of the client and the member, so every writer, the API and the report agree without storing it.
 */

import { inStableShare } from '../stable-share';

export type MeasurementGroup = 'treated' | 'control';

/** FNV-1a of `client\nmember`, in hundredths of a percent: the same member is always in or always out. */
export function inProgramControl(clientId: string, customerId: string, percent: number): boolean {
  return inStableShare(`${clientId}\n${customerId}`, percent);
}

/** The member's group under the client's configuration. */
export function groupOf(
  config: { readonly clientId: string; readonly programHoldoutPercent: number },
  customerId: string,
): MeasurementGroup {
  return inProgramControl(config.clientId, customerId, config.programHoldoutPercent) ? 'control' : 'treated';
}
