import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CompiledMessage } from '../../functions/domain/email/message';
import { PRESET_VARIABLES } from '../../functions/domain/email/preset-scope';
import { RENDERABLE_KINDS, type RenderableKind } from '../../functions/domain/email/templates';
import { checkMessage, triggerVariables } from './check';
import { compileMessage, MessageSyntaxError } from './compile';

/** The messages Lojal ships for the presets, `messages/<kind>.<locale>.md`. */
export const DEFAULT_MESSAGES_DIR = fileURLToPath(new URL('../../messages/', import.meta.url));

/** The languages the shipped messages are written in. */
export const SHIPPED_LOCALES = ['sv', 'nb', 'en'] as const;

/** One problem with one message file: which file, which locale, which variable (if one), and why. */
export interface MessageIssue {
  readonly file: string;
  readonly locale: string;
  readonly variable?: string;
  readonly reason: string;
}

/** Thrown when a client's messages do not compile or do not fit their triggers; the message names every file, locale and variable. */
export class InvalidMessagesError extends Error {
  override readonly name = 'InvalidMessagesError';
  constructor(readonly issues: readonly MessageIssue[]) {
    super(
      `Invalid messages: ${issues.map((i) => `${i.file} (locale ${i.locale})${i.variable ? ` {{${i.variable}}}` : ''}: ${i.reason}`).join('; ')}`,
    );
  }
}

export interface LoadedMessages {
  /** By message id, then locale. */
  readonly messages: Record<string, Record<string, CompiledMessage>>;
  /** The `trigger:` of each message that is not a preset (a message only a flow sends). */
  readonly triggers: Record<string, string>;
}

export interface LoadMessagesOptions {
  /** `clients/<name>/messages/`; need not exist (the client then writes nothing and gets the shipped messages). */
  readonly dir: string;
  /** The client's locales; every message needs every one, by language (`sv-SE` needs `sv`). */
  readonly locales: readonly string[];
  /** @default messages/ in the repository */
  readonly defaultsDir?: string;
  /** Paths in errors are relative to this. @default the working directory */
  readonly relativeTo?: string;
}

const MESSAGE_ID = /^[a-z][a-z0-9-]{0,62}$/;
const LOCALE = /^[a-z]{2,3}$/;
const language = (locale: string) => locale.toLowerCase().split('-')[0] ?? '';
const isPreset = (id: string): id is RenderableKind => (RENDERABLE_KINDS as readonly string[]).includes(id);

/** The message files of a folder: `<id>.<locale>.md`, or `<id>/<locale>.md` for a folder per message. */
function listFiles(dir: string): { id: string; locale: string; path: string }[] {
  if (!existsSync(dir)) return [];
  const out: { id: string; locale: string; path: string }[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      for (const inner of readdirSync(path).sort()) {
        const m = /^([^.]+)\.md$/.exec(inner);
        if (m?.[1]) out.push({ id: entry, locale: m[1], path: join(path, inner) });
      }
      continue;
    }
    const m = /^(.+)\.([^.]+)\.md$/.exec(entry);
    if (m?.[1] && m[2]) out.push({ id: m[1], locale: m[2], path });
  }
  return out;
}

/**
 * Compiles and checks a client's messages, and fills every preset the client did not write
 * with the shipped one. Throws `InvalidMessagesError` listing every problem.
 *
 * @example
 * const { messages } = loadMessages({ dir: 'clients/demo/messages', locales: ['sv', 'en'] });
 */
export function loadMessages(options: LoadMessagesOptions): LoadedMessages {
  const base = options.relativeTo ?? process.cwd();
  const show = (path: string) => relative(base, path) || path;
  const wanted = [...new Set(options.locales.map(language))];
  const issues: MessageIssue[] = [];
  const messages: Record<string, Record<string, CompiledMessage>> = {};
  const triggers: Record<string, string> = {};

  const compileFile = (id: string, locale: string, path: string): void => {
    const file = show(path);
    if (!MESSAGE_ID.test(id))
      return void issues.push({ file, locale, reason: `"${id}" is not a message id: lower-case letters, digits and dashes` });
    if (!LOCALE.test(locale)) return void issues.push({ file, locale, reason: `"${locale}" is not a language code such as sv` });
    if (!wanted.includes(locale))
      return void issues.push({ file, locale, reason: `locale ${locale} is not one of the client's locales (${wanted.join(', ')})` });
    try {
      const parsed = compileMessage(readFileSync(path, 'utf8'), file.split('\\').join('/'));
      let provided = isPreset(id) ? PRESET_VARIABLES[id] : undefined;
      if (isPreset(id) && parsed.trigger) issues.push({ file, locale, reason: `${id} is a preset: its trigger is fixed, remove trigger:` });
      if (!isPreset(id)) {
        if (!parsed.trigger)
          return void issues.push({
            file,
            locale,
            reason: `${id} is not a preset (${RENDERABLE_KINDS.join(', ')}), so it needs trigger: <event detail-type> in its front matter`,
          });
        const known = triggers[id];
        if (known !== undefined && known !== parsed.trigger)
          issues.push({ file, locale, reason: `trigger ${parsed.trigger} differs from ${known} in another locale` });
        triggers[id] = parsed.trigger;
        provided = triggerVariables(parsed.trigger);
        if (!provided) return void issues.push({ file, locale, reason: `unknown trigger ${parsed.trigger}` });
      }
      if (!provided) return;
      for (const problem of checkMessage(parsed.message, parsed.subjectSource, provided)) issues.push({ file, locale, ...problem });
      messages[id] ??= {};
      messages[id][locale] = parsed.message;
    } catch (error) {
      if (!(error instanceof MessageSyntaxError)) throw error;
      issues.push({ file, locale, reason: `line ${error.line}: ${error.reason}` });
    }
  };

  const own = listFiles(options.dir);
  for (const f of own) compileFile(f.id, f.locale, f.path);
  const ownIds = new Set(own.map((f) => f.id));
  for (const id of ownIds) {
    for (const locale of wanted) {
      if (!own.some((f) => f.id === id && f.locale === locale))
        issues.push({
          file: show(join(options.dir, `${id}.${locale}.md`)),
          locale,
          reason: `${id} has no ${locale} version (the client lists ${wanted.join(', ')})`,
        });
    }
  }

  const defaultsDir = options.defaultsDir ?? DEFAULT_MESSAGES_DIR;
  for (const kind of RENDERABLE_KINDS) {
    if (ownIds.has(kind)) continue;
    for (const locale of wanted) {
      const path = join(defaultsDir, `${kind}.${locale}.md`);
      if (!existsSync(path)) {
        issues.push({
          file: show(join(options.dir, `${kind}.${locale}.md`)),
          locale,
          reason: `Lojal ships no ${locale} ${kind} message: write this file`,
        });
        continue;
      }
      compileFile(kind, locale, path);
    }
  }
  if (issues.length > 0) throw new InvalidMessagesError(issues);
  return { messages, triggers };
}
