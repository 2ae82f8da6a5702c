/**
 * Looks a key from event data up in a client table (categories, activities, currencies...) as
 * data: only the table's own entries count, so a category named `constructor`, `toString` or
 * `__proto__` is an unknown category, never Object.prototype's machinery.
 */
export function ownEntry<V>(table: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
