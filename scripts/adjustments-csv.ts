import { parse } from 'csv-parse/sync';
import { type PointsAdjustment, PointsAdjustmentSchema } from '../functions/app/adjust-points';
import { formatPath } from '../functions/runtime/errors';

/** The columns an adjustments file must have (any order; others are ignored). */
export const ADJUSTMENT_COLUMNS = ['adjustmentId', 'customerId', 'points', 'reason'] as const;

export interface AdjustmentsFile {
  readonly adjustments: PointsAdjustment[];
  /** Every problem, by line of the file (the header is line 1). Apply nothing while there is one. */
  readonly errors: string[];
}

/**
 * Reads an adjustments CSV (RFC 4180: a header line, commas, quotes around values that hold
 * commas, quotes or line breaks; UTF-8, a byte-order mark is fine) and validates every row, so
 * a file with one bad row out of thousands is refused whole, before anything is written.
 *
 * @example
 * adjustmentId,customerId,points,reason
 * goodwill-2026-11-001,c-42,500,"Late delivery, sorry"
 */
export function parseAdjustmentsCsv(text: string): AdjustmentsFile {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    // `info` gives each record's line, so errors point at the file as the operator sees it.
    records = parse(text, { columns: true, bom: true, skip_empty_lines: true, trim: true, info: true }) as typeof records;
  } catch (error) {
    return { adjustments: [], errors: [`not a CSV file: ${(error as Error).message}`] };
  }
  const header = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  const columns = parse(header, { trim: true })[0] as string[] | undefined;
  const missing = ADJUSTMENT_COLUMNS.filter((c) => !columns?.includes(c));
  if (missing.length > 0)
    return { adjustments: [], errors: [`line 1: missing column ${missing.join(', ')} (needs ${ADJUSTMENT_COLUMNS.join(', ')})`] };

  const adjustments: PointsAdjustment[] = [];
  const errors: string[] = [];
  const seen = new Map<string, number>();
  for (const { record, info } of records) {
    const line = info.lines;
    const points = record.points?.trim() ?? '';
    const parsed = PointsAdjustmentSchema.safeParse({
      ...record,
      // Whole numbers only: "1e3", "10.5" or "" are mistakes, not points.
      points: /^[+-]?\d+$/.test(points) ? Number(points) : points,
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      errors.push(`line ${line}: ${issue ? `${formatPath(issue.path)}: ${issue.message}` : 'is invalid'}`);
      continue;
    }
    const key = `${parsed.data.customerId}\n${parsed.data.adjustmentId}`;
    const first = seen.get(key);
    if (first !== undefined) {
      errors.push(`line ${line}: adjustmentId: ${parsed.data.adjustmentId} for ${parsed.data.customerId} is already on line ${first}`);
      continue;
    }
    seen.set(key, line);
    adjustments.push(parsed.data);
  }
  return { adjustments, errors };
}
