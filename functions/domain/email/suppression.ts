import { createHash } from 'node:crypto';

/**
 * The key of an address on the suppression list: a SHA-256 of the normalized address, so the
 * list (which outlives members: a deleted member's address may come back with a new account)
 * holds no address in clear. Unkeyed on purpose: a keyed hash would lose every suppression
 * when the key was rotated.
 */
export function addressHash(address: string): string {
  return createHash('sha256').update(`lojal-suppression-v1:${address.trim().toLowerCase()}`).digest('hex');
}
