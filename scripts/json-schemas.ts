import * as z from 'zod';
import { WEBSHOP_EVENTS } from '../functions/contract/events';

/**
 * JSON Schemas of the webshop events, generated from the zod contract so webshop developers
 * can validate before they send. `npm run schemas` writes them to `schemas/`; a test fails
 * when the committed files are stale.
 */
export function webshopJsonSchemas(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [detailType, schema] of Object.entries(WEBSHOP_EVENTS)) {
    const json = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' });
    const document = {
      $id: `https://lojal.dev/schemas/${detailType}.json`,
      title: `${detailType} (EventBridge Detail)`,
      description: `Detail of a '${detailType}' event sent to the client's Lojal event bus. Generated from functions/contract/events.ts by \`npm run schemas\`; do not edit.`,
      ...json,
    };
    files[`${detailType}.json`] = `${JSON.stringify(document, null, 2)}\n`;
  }
  return files;
}
