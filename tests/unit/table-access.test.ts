import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KEY_SPACES } from '../../lib/table-access';

const ADAPTERS = fileURLToPath(new URL('../../functions/adapters/dynamo/', import.meta.url));

describe('KEY_SPACES', () => {
  it('names every partition-key prefix the adapters write, so LeadingKeys conditions cannot silently miss one', () => {
    // Prepare: `pk: 'X#…'`, `pk: \`X#…\`` and `Pk = (…) => \`X#…\`` in the key builders and stores.
    const found = new Set<string>();
    for (const file of readdirSync(ADAPTERS).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(`${ADAPTERS}${file}`, 'utf8');
      for (const m of text.matchAll(/\bpk: *['`]([A-Z]+#)/g)) found.add(m[1]!);
      for (const m of text.matchAll(/export const (\w+)Pk = [^\n]*=> *`([A-Z]+#)/g)) if (m[1] === 'member') found.add(m[2]!);
    }

    // Assess
    expect(found.size).toBeGreaterThan(3);
    expect([...found].filter((prefix) => !(KEY_SPACES as readonly string[]).includes(prefix))).toEqual([]);
  });
});
