import type { EventPattern } from '../contract/routes';

/**
 * EventBridge event-pattern matching for the local copy, so an event reaches exactly the
 * handlers the deployed rules would send it to. The patterns themselves come from
 * `routePattern` (functions/contract/routes.ts), the same ones CDK deploys.
 *
 * Semantics follow the EventBridge user guide ("Amazon EventBridge event patterns", "Arrays
 * in ... event patterns", "Content filtering in ... event patterns") and Event Ruler, the
 * engine behind it:
 * - fields in a pattern are ANDed, the values in a field's array are ORed;
 * - a pattern field must be present in the event, except under `{ "exists": false }`;
 * - when the event value is an array, the field matches if any element matches; arrays of
 *   objects are "crushed out" and every field of one nested pattern must match within the
 *   same element;
 * - operators: exact values (string, number, boolean, null), `prefix`, `suffix`,
 *   `equals-ignore-case`, `wildcard`, `anything-but` (values, list, `prefix`, `suffix`,
 *   `equals-ignore-case`, `wildcard`), `numeric`, `exists`, and `$or`.
 *
 * Known differences from AWS, none of which Lojal's rules depend on:
 * - exact number matching compares values (`300` equals `300.0`); EventBridge compares the
 *   numbers' JSON text, which a parsed JavaScript value no longer has;
 * - `cidr` compares IPv4 and IPv6 addresses numerically; IPv6 zone ids (`fe80::1%eth0`) are
 *   not addresses here;
 * - a `$or` is counted by multiplying out its alternatives (limit 1 000); Event Ruler's own
 *   count also multiplies the values of each field, so a few patterns it refuses pass here.
 */

/** A pattern EventBridge would refuse with `InvalidEventPatternException`. */
export class InvalidEventPatternError extends Error {
  override readonly name = 'InvalidEventPatternError';
  constructor(
    /** Where in the pattern, e.g. `detail.state[0].anything-but`. */
    readonly path: string,
    readonly reason: string,
  ) {
    super(`Event pattern is not valid at ${path || '(root)'}: ${reason}`);
  }
}

/** A compiled pattern: true when the event (a parsed JSON value) matches. */
export type EventMatcher = (event: unknown) => boolean;

type Leaf = string | number | boolean | null;

type ValueTest = { readonly kind: 'exists'; readonly exists: boolean } | { readonly kind: 'value'; readonly test: (leaf: Leaf) => boolean };

interface LeafNode {
  readonly kind: 'leaf';
  readonly tests: readonly ValueTest[];
}

interface ObjectNode {
  readonly kind: 'object';
  readonly fields: readonly { readonly key: string; readonly node: LeafNode | ObjectNode }[];
  /** Each `$or`: the event must match at least one alternative. */
  readonly alternatives: readonly (readonly ObjectNode[])[];
}

const OPERATORS = new Set(['prefix', 'suffix', 'equals-ignore-case', 'wildcard', 'anything-but', 'numeric', 'exists', 'cidr']);

/**
 * Compiles a pattern once; throws `InvalidEventPatternError` for anything EventBridge would
 * reject or the local matcher cannot honour, so a broken rule fails at start-up, not silently.
 *
 * @example
 * const matches = compileEventPattern({ source: ['webshop'], 'detail-type': ['order.placed'] });
 * matches({ source: 'webshop', 'detail-type': 'order.placed', detail: {} }); // true
 */
export function compileEventPattern(pattern: EventPattern): EventMatcher {
  if (!isPlainObject(pattern)) throw new InvalidEventPatternError('', 'must be a JSON object');
  const root = compileObject(pattern, '');
  if (combinations(root) > MAX_OR_COMBINATIONS) {
    throw new InvalidEventPatternError('$or', `the pattern expands to more than ${MAX_OR_COMBINATIONS} combinations`);
  }
  return (event) => matchObject(root, event);
}

/** EventBridge refuses a pattern whose `$or` alternatives multiply out to more than this. */
export const MAX_OR_COMBINATIONS = 1000;

/** How many plain patterns an object expands to once every `$or` is multiplied out. */
function combinations(node: ObjectNode): number {
  let total = 1;
  for (const { node: child } of node.fields) if (child.kind === 'object') total *= combinations(child);
  for (const alternatives of node.alternatives) total *= alternatives.reduce((sum, a) => sum + combinations(a), 0);
  return total;
}

/** One-off match; compile once with `compileEventPattern` when matching many events. */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  return compileEventPattern(pattern)(event);
}

function compileObject(pattern: Record<string, unknown>, path: string): ObjectNode {
  const entries = Object.entries(pattern);
  if (entries.length === 0) throw new InvalidEventPatternError(path, 'empty objects are not allowed');
  const fields: { key: string; node: LeafNode | ObjectNode }[] = [];
  const alternatives: ObjectNode[][] = [];
  for (const [key, value] of entries) {
    const at = path ? `${path}.${key}` : key;
    if (key === '$or' && isOrList(value)) {
      alternatives.push(value.map((alternative, i) => compileObject(alternative, `${at}[${i}]`)));
    } else if (Array.isArray(value)) {
      fields.push({ key, node: compileLeaf(value, at) });
    } else if (isPlainObject(value)) {
      fields.push({ key, node: compileObject(value, at) });
    } else {
      throw new InvalidEventPatternError(at, 'must be an array of values or a nested object');
    }
  }
  return { kind: 'object', fields, alternatives };
}

/** Event Ruler reads `$or` as "or" only for a list of two or more field objects; otherwise it is a plain field name. */
function isOrList(value: unknown): value is Record<string, unknown>[] {
  return (
    Array.isArray(value) && value.length >= 2 && value.every((v) => isPlainObject(v) && Object.keys(v).every((k) => !OPERATORS.has(k)))
  );
}

function compileLeaf(values: readonly unknown[], path: string): LeafNode {
  if (values.length === 0) throw new InvalidEventPatternError(path, 'empty arrays are not allowed');
  return { kind: 'leaf', tests: values.map((value, i) => compileValue(value, `${path}[${i}]`)) };
}

function compileValue(value: unknown, path: string): ValueTest {
  if (value === null || typeof value === 'string' || typeof value === 'boolean' || isFiniteNumber(value)) {
    return { kind: 'value', test: (leaf) => leaf === value };
  }
  if (!isPlainObject(value)) throw new InvalidEventPatternError(path, 'must be a string, number, boolean, null or an operator object');
  const keys = Object.keys(value);
  const operator = keys[0];
  if (keys.length !== 1 || operator === undefined) {
    throw new InvalidEventPatternError(path, `an operator object has exactly one key, got ${keys.length === 0 ? 'none' : keys.join(', ')}`);
  }
  const argument = value[operator];
  const at = `${path}.${operator}`;
  switch (operator) {
    case 'exists':
      if (typeof argument !== 'boolean') throw new InvalidEventPatternError(at, 'must be true or false');
      return { kind: 'exists', exists: argument };
    case 'prefix':
      return stringTest(affixTest(argument, at, (s, p) => s.startsWith(p)));
    case 'suffix':
      return stringTest(affixTest(argument, at, (s, p) => s.endsWith(p)));
    case 'equals-ignore-case': {
      const expected = requireString(argument, at).toLowerCase();
      return stringTest((s) => s.toLowerCase() === expected);
    }
    case 'wildcard': {
      const regex = wildcardRegex(requireString(argument, at), at);
      return stringTest((s) => regex.test(s));
    }
    case 'anything-but':
      return anythingBut(argument, at);
    case 'numeric':
      return numericTest(argument, at);
    case 'cidr':
      return cidrTest(argument, at);
    default:
      throw new InvalidEventPatternError(at, `unknown operator "${operator}"`);
  }
}

function stringTest(test: (s: string) => boolean): ValueTest {
  return { kind: 'value', test: (leaf) => typeof leaf === 'string' && test(leaf) };
}

/** `prefix` / `suffix` take a string, or `{ "equals-ignore-case": string }`. */
function affixTest(argument: unknown, path: string, compare: (value: string, affix: string) => boolean): (s: string) => boolean {
  if (typeof argument === 'string') return (s) => compare(s, argument);
  if (isPlainObject(argument) && Object.keys(argument).length === 1 && typeof argument['equals-ignore-case'] === 'string') {
    const affix = argument['equals-ignore-case'].toLowerCase();
    return (s) => compare(s.toLowerCase(), affix);
  }
  throw new InvalidEventPatternError(path, 'must be a string or { "equals-ignore-case": string }');
}

function anythingBut(argument: unknown, path: string): ValueTest {
  if (typeof argument === 'string' || isFiniteNumber(argument)) {
    return { kind: 'value', test: (leaf) => leaf !== argument };
  }
  if (Array.isArray(argument)) {
    const allStrings = argument.every((v) => typeof v === 'string');
    const allNumbers = argument.every(isFiniteNumber);
    if (argument.length === 0 || !(allStrings || allNumbers)) {
      throw new InvalidEventPatternError(path, 'a list must be non-empty and hold only strings or only numbers');
    }
    const excluded = new Set<unknown>(argument);
    return { kind: 'value', test: (leaf) => !excluded.has(leaf) };
  }
  if (isPlainObject(argument) && Object.keys(argument).length === 1) {
    const [operator] = Object.keys(argument);
    const inner = argument[operator as string];
    const at = `${path}.${operator}`;
    switch (operator) {
      case 'prefix': {
        // A string or a list of strings; EventBridge refuses an empty one (it would exclude everything).
        const prefixes = requireNonEmptyStrings(inner, at);
        return stringTest((s) => !prefixes.some((p) => s.startsWith(p)));
      }
      case 'suffix': {
        const suffixes = requireNonEmptyStrings(inner, at);
        return stringTest((s) => !suffixes.some((p) => s.endsWith(p)));
      }
      case 'equals-ignore-case': {
        const excluded = new Set(requireStrings(inner, at).map((s) => s.toLowerCase()));
        return stringTest((s) => !excluded.has(s.toLowerCase()));
      }
      case 'wildcard': {
        const regexes = requireStrings(inner, at).map((w) => wildcardRegex(w, at));
        return stringTest((s) => !regexes.some((r) => r.test(s)));
      }
    }
  }
  throw new InvalidEventPatternError(
    path,
    'must be a string, a number, a list of strings or numbers, or one of prefix, suffix, equals-ignore-case, wildcard',
  );
}

type Comparison = '<' | '<=' | '=' | '>' | '>=';
const COMPARISONS = new Set<string>(['<', '<=', '=', '>', '>=']);

/** `["=", 5]`, `["<", 10]`, or a range such as `[">", 0, "<=", 5]`. */
function numericTest(argument: unknown, path: string): ValueTest {
  if (!Array.isArray(argument) || (argument.length !== 2 && argument.length !== 4)) {
    throw new InvalidEventPatternError(path, 'must be [operator, number] or [lower operator, number, upper operator, number]');
  }
  const comparisons: { op: Comparison; bound: number }[] = [];
  for (let i = 0; i < argument.length; i += 2) {
    const op: unknown = argument[i];
    const bound: unknown = argument[i + 1];
    if (typeof op !== 'string' || !COMPARISONS.has(op))
      throw new InvalidEventPatternError(path, `unknown comparison ${JSON.stringify(op)}`);
    if (!isFiniteNumber(bound)) throw new InvalidEventPatternError(path, `${JSON.stringify(bound)} is not a number`);
    comparisons.push({ op: op as Comparison, bound });
  }
  const [first, second] = comparisons;
  if (second && first) {
    const lower = first.op === '>' || first.op === '>=';
    const upper = second.op === '<' || second.op === '<=';
    if (!lower || !upper)
      throw new InvalidEventPatternError(path, 'a range is a lower bound (> or >=) followed by an upper bound (< or <=)');
    if (first.bound >= second.bound) throw new InvalidEventPatternError(path, 'the lower bound must be below the upper bound');
  }
  return {
    kind: 'value',
    test: (leaf) => isFiniteNumber(leaf) && comparisons.every(({ op, bound }) => compare(leaf, op, bound)),
  };
}

function compare(value: number, op: Comparison, bound: number): boolean {
  switch (op) {
    case '<':
      return value < bound;
    case '<=':
      return value <= bound;
    case '=':
      return value === bound;
    case '>':
      return value > bound;
    case '>=':
      return value >= bound;
  }
}

/** `*` matches any run of characters; `\*` is a literal star and `\\` a literal backslash. */
function wildcardRegex(wildcard: string, path: string): RegExp {
  let source = '^';
  for (let i = 0; i < wildcard.length; i++) {
    const c = wildcard[i] as string;
    if (c === '\\') {
      const next = wildcard[i + 1];
      if (next !== '*' && next !== '\\') throw new InvalidEventPatternError(path, 'a backslash may only escape * or \\');
      source += escapeRegex(next);
      i++;
    } else if (c === '*') {
      if (wildcard[i + 1] === '*') throw new InvalidEventPatternError(path, 'consecutive wildcard characters are not allowed');
      source += '.*';
    } else {
      source += escapeRegex(c);
    }
  }
  return new RegExp(`${source}$`, 'su');
}

function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

function requireString(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new InvalidEventPatternError(path, 'must be a string');
  return value;
}

function requireNonEmptyStrings(value: unknown, path: string): string[] {
  const strings = requireStrings(value, path);
  if (strings.some((s) => s === '')) throw new InvalidEventPatternError(path, 'must not be empty');
  return strings;
}

/** `{ "cidr": "10.0.0.0/24" }` or an IPv6 prefix such as `"2001:db8::/32"`: the value is an IP address inside it. */
function cidrTest(argument: unknown, path: string): ValueTest {
  const cidr = requireString(argument, path);
  const slash = cidr.indexOf('/');
  const network = parseIp(slash < 0 ? cidr : cidr.slice(0, slash));
  const bitsText = slash < 0 ? undefined : cidr.slice(slash + 1);
  if (!network || (bitsText !== undefined && !/^\d{1,3}$/.test(bitsText)))
    throw new InvalidEventPatternError(path, 'must be an IPv4 or IPv6 CIDR block');
  const width = network.v6 ? 128 : 32;
  const bits = bitsText === undefined ? width : Number(bitsText);
  if (bits > width) throw new InvalidEventPatternError(path, `a prefix length is at most ${width}`);
  const shift = BigInt(width - bits);
  const base = network.value >> shift;
  return stringTest((s) => {
    const ip = parseIp(s);
    return ip !== undefined && ip.v6 === network.v6 && ip.value >> shift === base;
  });
}

/** An IPv4 or IPv6 address as a number, or undefined when `text` is neither. */
function parseIp(text: string): { v6: boolean; value: bigint } | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    return { v6: false, value: parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n) };
  }
  if (!text.includes(':') || !/^[0-9A-Fa-f:.]+$/.test(text)) return undefined;
  let head = text;
  let tail: bigint[] = [];
  // An embedded IPv4 tail (::ffff:1.2.3.4) counts as two groups.
  const dotted = /^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (dotted) {
    const ip4 = parseIp(dotted[2] as string);
    if (!ip4) return undefined;
    const prefix = dotted[1] as string;
    head = prefix.endsWith('::') ? prefix : prefix.slice(0, -1);
    tail = [ip4.value >> 16n, ip4.value & 0xffffn];
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string | undefined) => (h === undefined || h === '' ? [] : h.split(':'));
  const left = groups(halves[0]);
  const right = groups(halves[1]);
  if ([...left, ...right].some((g) => !/^[0-9A-Fa-f]{1,4}$/.test(g))) return undefined;
  const given = left.length + right.length + tail.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return undefined;
  const all = [
    ...left.map((g) => BigInt(`0x${g}`)),
    ...Array.from({ length: 8 - given }, () => 0n),
    ...right.map((g) => BigInt(`0x${g}`)),
    ...tail,
  ];
  return { v6: true, value: all.reduce((acc, g) => (acc << 16n) | g, 0n) };
}

function requireStrings(value: unknown, path: string): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')) return value;
  throw new InvalidEventPatternError(path, 'must be a string or a non-empty list of strings');
}

function matchObject(node: ObjectNode, value: unknown): boolean {
  if (Array.isArray(value)) {
    // Arrays of objects are "crushed out": the nested pattern must match within one element.
    const elements = flatten(value);
    return elements.length === 0 ? matchObject(node, undefined) : elements.some((element) => matchObject(node, element));
  }
  const object = isPlainObject(value) ? value : undefined;
  for (const { key, node: child } of node.fields) {
    const childValue = object && Object.hasOwn(object, key) ? object[key] : undefined;
    const ok = child.kind === 'leaf' ? matchLeaf(child, childValue) : matchObject(child, childValue);
    if (!ok) return false;
  }
  return node.alternatives.every((alternatives) => alternatives.some((alternative) => matchObject(alternative, value)));
}

function matchLeaf(node: LeafNode, value: unknown): boolean {
  const leaves = leavesOf(value);
  // Exists matching only sees leaf values: an absent field, an empty array or an object
  // (an intermediate node) all count as "does not exist".
  if (leaves.length === 0) return node.tests.some((t) => t.kind === 'exists' && !t.exists);
  return node.tests.some((t) => (t.kind === 'exists' ? t.exists : leaves.some(t.test)));
}

function leavesOf(value: unknown): Leaf[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return flatten(value).filter(isLeaf);
  return isLeaf(value) ? [value] : [];
}

function flatten(values: readonly unknown[]): unknown[] {
  return values.flatMap((v) => (Array.isArray(v) ? flatten(v) : [v]));
}

function isLeaf(value: unknown): value is Leaf {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || isFiniteNumber(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
