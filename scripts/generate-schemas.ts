import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { webshopJsonSchemas } from './json-schemas';

const dir = join(import.meta.dirname, '..', 'schemas');
mkdirSync(dir, { recursive: true });
for (const [name, text] of Object.entries(webshopJsonSchemas())) {
  writeFileSync(join(dir, name), text);
  console.log(`wrote schemas/${name}`);
}
