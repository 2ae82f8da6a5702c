/**
 * Client-declared member attributes (docs/client-file.md, "Member attributes"): typed values a
 * webshop sends with `customer.registered` / `customer.updated` (`attributes: { shoeSize: 44 }`)
 * and a flow's `set` step writes. They are stored with the profile, newest business time per
 * attribute wins (functions/domain/profile.ts), and flows match them as `attributes.<name>` in
 * `audience` and `branch.when`. Pure: the declaration and the check of a value against it.
 */

/** A declared attribute's type: a JSON scalar, a calendar date (`YYYY-MM-DD`), or one of listed strings. */
export type AttributeType = 'string' | 'number' | 'boolean' | 'date' | { readonly enum: readonly string[] };

export type AttributeValue = string | number | boolean;

/** The client file's `attributes`: name → type. */
export type AttributeDeclarations = Readonly<Record<string, AttributeType>>;

/** Attribute values as an event or a `set` step carries them; `null` clears an attribute. */
export type AttributeChange = Readonly<Record<string, AttributeValue | null>>;

/** Attribute names: they are keys of patterns and of stored maps, so letters, digits and `_` only. */
export const ATTRIBUTE_NAME = /^[a-zA-Z][a-zA-Z0-9_]{0,39}$/;

/** At most this many declared attributes: they are stored in the profile and in the audience index item. */
export const MAX_ATTRIBUTES = 50;

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** Why `value` is not of `type` (a message for `<field>: …`), or undefined when it is. `null` always fits (it clears). */
export function attributeValueIssue(type: AttributeType, value: unknown): string | undefined {
  if (value === null) return undefined;
  if (typeof type === 'object') {
    return typeof value === 'string' && type.enum.includes(value) ? undefined : `must be one of ${type.enum.join(', ')}`;
  }
  switch (type) {
    case 'string':
      return typeof value === 'string' ? undefined : 'must be a string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'must be a number';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'date':
      return typeof value === 'string' &&
        DATE.test(value) &&
        !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) &&
        new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) === value
        ? undefined
        : 'must be a date YYYY-MM-DD';
  }
}

/**
 * The first attribute of `values` that the client did not declare or whose value is not of its
 * declared type: `{ name, reason }` for a `ValidationError` naming `attributes.<name>`.
 */
export function attributeIssue(
  declared: AttributeDeclarations,
  values: Readonly<Record<string, unknown>>,
): { readonly name: string; readonly reason: string } | undefined {
  const names = Object.keys(declared);
  for (const [name, value] of Object.entries(values)) {
    const type = Object.hasOwn(declared, name) ? declared[name] : undefined;
    if (type === undefined) return { name, reason: `is not an attribute of this program (${names.join(', ') || 'none declared'})` };
    const reason = attributeValueIssue(type, value);
    if (reason) return { name, reason };
  }
  return undefined;
}

/** The declared attributes of stored values, clears left out: what `audience` and `when` see as `attributes`. */
export function attributeFacts(
  declared: AttributeDeclarations,
  stored: Readonly<Record<string, AttributeValue | null>> | undefined,
): Record<string, AttributeValue> {
  const facts: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(stored ?? {}))
    if (value !== null && Object.hasOwn(declared, name) && attributeValueIssue(declared[name] as AttributeType, value) === undefined)
      facts[name] = value;
  return facts;
}
