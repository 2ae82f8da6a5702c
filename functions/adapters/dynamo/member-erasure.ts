import { DeleteCommand, type DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { conditionalWrite } from './common';
import { LEDGER_PREFIX, memberPk, STATE_SK, TIMELINE_PREFIX } from './keys';
import { MAIL_LOG_PREFIX } from './mail-keys';

/** What one erasure pass changed: items scrubbed and items deleted. */
export interface ErasureOutcome {
  readonly scrubbed: number;
  readonly deleted: number;
}

/**
 * The DynamoDB adapter that erases what is personal in a member's items besides the profile
 * (which `ProfileStore` erases through the profile's own tombstone): product names in ledger
 * entries and timeline items, the time zone an order was planned in, mail subjects (they name
 * products) in mail records and the mail log, and the member's check-in answers, which are
 * deleted. The accounting stays: points, refs and times of every entry, the balance, the log
 * lines without their subjects.
 *
 * Each change is a REMOVE of attribute paths (or a delete) conditioned on the item still
 * existing, so running it again changes nothing, and a writer racing it keeps its own fields.
 */
export class MemberErasure {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async erase(customerId: string): Promise<ErasureOutcome> {
    let scrubbed = 0;
    let deleted = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': memberPk(customerId) },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        const key = { pk: String(item.pk), sk: String(item.sk) };
        if (key.sk.startsWith('NPS#')) {
          await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: key }));
          deleted++;
          continue;
        }
        const paths = personalPaths(key.sk, item);
        if (paths.length === 0) continue;
        const names: Record<string, string> = {};
        const expression = paths.map((path) => pathExpression(names, path)).join(', ');
        if (
          await conditionalWrite(
            this.doc,
            new UpdateCommand({
              TableName: this.tableName,
              Key: key,
              UpdateExpression: `REMOVE ${expression}`,
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeNames: names,
            }),
          )
        )
          scrubbed++;
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return { scrubbed, deleted };
  }
}

/** An attribute path as parts: a name, or a list index (`[2]`). */
type PathPart = string | number;

/** The paths of `item` that hold personal data, by the item's kind (its sort key). */
function personalPaths(sk: string, item: Record<string, unknown>): PathPart[][] {
  const paths: PathPart[][] = [];
  const has = (name: string) => item[name] !== undefined;
  const namedList = (list: unknown, base: PathPart[]) => {
    if (!Array.isArray(list)) return;
    list.forEach((entry, i) => {
      if (typeof entry === 'object' && entry !== null && 'name' in entry) paths.push([...base, i, 'name']);
    });
  };
  if (sk.startsWith(LEDGER_PREFIX) && sk !== STATE_SK) {
    // An order's entry: the products' names and the member's time zone it was planned in.
    if (has('timeZone')) paths.push(['timeZone']);
    const input = item.input as { lines?: unknown } | undefined;
    namedList(input?.lines, ['input', 'lines']);
  } else if (sk.startsWith(TIMELINE_PREFIX)) {
    if (has('timeZone')) paths.push(['timeZone']);
    namedList(item.products, ['products']);
    const product = item.product as { name?: unknown } | undefined;
    if (product?.name !== undefined) paths.push(['product', 'name']);
  } else if (sk.startsWith('MAIL#') || sk.startsWith(MAIL_LOG_PREFIX)) {
    // Subjects name products; a deferred mail's request names them too (the sender sends nothing to an erased member).
    if (has('subject')) paths.push(['subject']);
    if (has('job')) paths.push(['job']);
  }
  return paths;
}

/** `path` as an expression (`#n1.#n2[0].#n3`), each name registered once in `names`. */
function pathExpression(names: Record<string, string>, path: readonly PathPart[]): string {
  return path
    .map((part, i) => {
      if (typeof part === 'number') return `[${part}]`;
      let placeholder = Object.keys(names).find((k) => names[k] === part);
      if (placeholder === undefined) {
        placeholder = `#n${Object.keys(names).length}`;
        names[placeholder] = part;
      }
      return i === 0 ? placeholder : `.${placeholder}`;
    })
    .join('');
}
