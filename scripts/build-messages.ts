import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defaultMessagesModule } from '../lib/messages/defaults';

/**
 * `npm run messages`: compiles the shipped messages (messages/*.md) into
 * functions/domain/email/default-messages.ts, which `parseProgramConfig` fills a client's
 * unwritten presets from. A test fails while the file and the Markdown disagree.
 */
const target = fileURLToPath(new URL('../functions/domain/email/default-messages.ts', import.meta.url));
writeFileSync(target, defaultMessagesModule());
console.log(`wrote ${target}`);
