import type { ProfileStore } from '../adapters/dynamo/profile-store';
import { applyProfileChange, type ProfileChange } from '../domain/profile';
import { ConcurrentUpdateError } from '../runtime/errors';

const MAX_ATTEMPTS = 8;

/** Applies a profile change with optimistic concurrency; a change that alters nothing writes nothing. */
export async function updateProfile(
  profiles: ProfileStore,
  customerId: string,
  change: ProfileChange,
): Promise<'applied' | 'duplicate'> {
  for (let attempt = 1; ; attempt++) {
    const stored = await profiles.get(customerId);
    const next = applyProfileChange(customerId, stored?.profile, change);
    if (stored && next === stored.profile) return 'duplicate';
    if (await profiles.put(next, stored?.version ?? 0)) return 'applied';
    if (attempt >= MAX_ATTEMPTS) throw new ConcurrentUpdateError(`gave up updating a profile after ${attempt} concurrent updates`);
    await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
  }
}
