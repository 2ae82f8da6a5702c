import { escapeHtml, oneLine } from './escape';
import { DEFAULT_THEME, layoutMail, type MailTheme, type RenderedMail, type Rich, type ThemeBlock } from './layout';

export type { Rich } from './layout';

/**
 * A client's message, compiled: what `lib/messages/compile.ts` makes of a Markdown file such
 * as `clients/demo/messages/welcome.sv.md` when the stack is built or `npm start` loads the
 * client. It is plain JSON (it travels inside the baked configuration), so the function that
 * renders it carries no Markdown parser and no template compiler, only the small walk below.
 *
 * Inline content is a list of parts: a string is literal text; `['v', path]` a variable;
 * `['b', parts]` bold; `['i', parts]` italic; `['a', href, parts]` a link (its href is parts
 * too, a variable or a literal https URL); `['if', path, then, else]` a condition, with
 * `['unless', …]` its negation.
 */
export type InlinePart =
  | string
  | readonly ['v', string]
  | readonly ['b', readonly InlinePart[]]
  | readonly ['i', readonly InlinePart[]]
  | readonly ['a', readonly InlinePart[], readonly InlinePart[]]
  | readonly ['if' | 'unless', string, readonly InlinePart[], readonly InlinePart[]];

/**
 * A block of the body: `['p', parts]` a paragraph, `['h', parts]` a heading, `['ul', items]` a
 * bulleted list, `['button', label, href]`, `['products']` the trigger's products,
 * `['points', label]` a points summary, `['nps', question, hint]` the 0–10 answer scale,
 * `['if'|'unless', path, then, else]` and `['each', path, as, blocks]` (the blocks once per
 * item, the item's fields as `as.field`).
 */
export type MessageBlock =
  | readonly ['p' | 'h', readonly InlinePart[]]
  | readonly ['ul', readonly (readonly InlinePart[])[]]
  | readonly ['button', readonly InlinePart[], readonly InlinePart[]]
  | readonly ['products']
  | readonly ['points', readonly InlinePart[]]
  | readonly ['nps', readonly InlinePart[], readonly InlinePart[]]
  | readonly ['if' | 'unless', string, readonly MessageBlock[], readonly MessageBlock[]]
  | readonly ['each', string, string, readonly MessageBlock[]];

export interface CompiledMessage {
  /** The file it came from, relative to the repository, for errors and the preview. */
  readonly source: string;
  readonly subject: readonly InlinePart[];
  /** The line many mail apps show after the subject; empty for none. */
  readonly preheader: readonly InlinePart[];
  readonly body: readonly MessageBlock[];
}

/** Compiled messages by message id (`welcome`, or a flow's own id such as `review-request`), then locale (`sv`). */
export type CompiledMessages = Readonly<Record<string, Readonly<Record<string, CompiledMessage>>>>;

/**
 * A value a message can use: text (already formatted for the mail's language, e.g. `2 598
 * poäng`), with `on` false for what an `{{#if}}` treats as absent (an empty text, zero points),
 * or a list of items for `{{#each}}`, each item its own fields.
 */
export type MessageValue = { readonly text: string; readonly on: boolean } | { readonly items: readonly MessageScope[] };

/** The variables of one mail by dotted name: `member.firstName`, `points.balance`. */
export type MessageScope = Readonly<Record<string, MessageValue | undefined>>;

export const textValue = (text: string | undefined): MessageValue | undefined =>
  text === undefined ? undefined : { text, on: text !== '' };

export interface RenderMessageInput {
  readonly message: CompiledMessage;
  /** The mail's language, e.g. `sv`: the `lang` of the HTML. */
  readonly locale: string;
  readonly scope: MessageScope;
  /** The names of the trigger's products for the `products` block. */
  readonly products?: readonly string[];
  /** The links of the answers 0 to 10 for the `nps` block. */
  readonly answerUrls?: readonly string[];
  /** The points the `points` block shows, formatted. */
  readonly balance?: string;
  /** The brand as the header and footer show it. */
  readonly brand: { readonly name: string; readonly websiteUrl?: string | undefined };
  /** Present for marketing mail: the footer offers it (the headers carry it too). */
  readonly unsubscribeUrl?: string | undefined;
  /** The footer's "why you get this mail" line, in the mail's language. */
  readonly footerReason: string;
  /** The unsubscribe link's words. */
  readonly unsubscribeLabel: string;
  readonly theme?: MailTheme;
}

/**
 * Renders one message: the subject, the HTML part and the text part from the same blocks. A
 * variable without a value renders as nothing (and a block needing a missing link is left
 * out) rather than failing: every variable was checked against its trigger when the stack was
 * built, so a gap here is data that was optional, and a lost mail would be worse.
 *
 * Customer text reaches HTML only through `escapeHtml` in layout.ts, whatever its origin.
 *
 * @example
 * const mail = renderMessage({ message: config.messages.welcome.sv, locale: 'sv', scope, brand, footerReason, unsubscribeLabel });
 */
export function renderMessage(input: RenderMessageInput): RenderedMail {
  const blocks: ThemeBlock[] = [];
  walkBlocks(input.message.body, input.scope, input, blocks);
  return layoutMail({
    locale: input.locale,
    subject: oneLine(inlineText(input.message.subject, input.scope)),
    preheader: oneLine(inlineText(input.message.preheader, input.scope)),
    blocks: mergeLists(blocks),
    brand: input.brand,
    unsubscribeUrl: input.unsubscribeUrl,
    footerReason: input.footerReason,
    unsubscribeLabel: input.unsubscribeLabel,
    theme: input.theme ?? DEFAULT_THEME,
  });
}

function truthy(value: MessageValue | undefined): boolean {
  if (value === undefined) return false;
  return 'items' in value ? value.items.length > 0 : value.on;
}

function walkBlocks(blocks: readonly MessageBlock[], scope: MessageScope, input: RenderMessageInput, out: ThemeBlock[]): void {
  for (const block of blocks) {
    switch (block[0]) {
      case 'p':
      case 'h': {
        const rich = inline(block[1], scope);
        if (rich.text.trim() !== '') out.push({ type: block[0], rich });
        break;
      }
      case 'ul': {
        const items = block[1].map((item) => inline(item, scope)).filter((r) => r.text.trim() !== '');
        if (items.length > 0) out.push({ type: 'ul', items });
        break;
      }
      case 'button': {
        const href = inlineText(block[2], scope);
        if (isLink(href)) out.push({ type: 'button', label: inline(block[1], scope), href });
        break;
      }
      case 'products':
        if ((input.products ?? []).length > 0) out.push({ type: 'products', names: input.products ?? [] });
        break;
      case 'points':
        if (input.balance !== undefined) out.push({ type: 'points', label: inline(block[1], scope), value: input.balance });
        break;
      case 'nps':
        if ((input.answerUrls ?? []).length > 0)
          out.push({ type: 'nps', question: inline(block[1], scope), hint: inline(block[2], scope), urls: input.answerUrls ?? [] });
        break;
      case 'if':
      case 'unless': {
        const on = truthy(scope[block[1]]) === (block[0] === 'if');
        walkBlocks(on ? block[2] : block[3], scope, input, out);
        break;
      }
      case 'each': {
        const value = scope[block[1]];
        if (value === undefined || !('items' in value)) break;
        for (const item of value.items) {
          const itemScope: Record<string, MessageValue | undefined> = { ...scope };
          for (const [field, v] of Object.entries(item)) itemScope[`${block[2]}.${field}`] = v;
          walkBlocks(block[3], itemScope, input, out);
        }
        break;
      }
    }
  }
}

/** Only https and the local copy's own http links ever become a link; anything else is dropped. */
function isLink(href: string): boolean {
  return /^https:\/\/[^\s"<>]+$/.test(href) || /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\/[^\s"<>]*$/.test(href);
}

function inline(parts: readonly InlinePart[], scope: MessageScope): Rich {
  let html = '';
  let text = '';
  for (const part of parts) {
    if (typeof part === 'string') {
      html += escapeHtml(part);
      text += part;
      continue;
    }
    switch (part[0]) {
      case 'v': {
        const value = scope[part[1]];
        const s = value !== undefined && 'text' in value ? value.text : '';
        html += escapeHtml(s);
        text += s;
        break;
      }
      case 'b':
      case 'i': {
        const inner = inline(part[1], scope);
        const tag = part[0] === 'b' ? 'strong' : 'em';
        html += `<${tag}>${inner.html}</${tag}>`;
        text += inner.text;
        break;
      }
      case 'a': {
        const href = inlineText(part[1], scope);
        const inner = inline(part[2], scope);
        if (isLink(href)) {
          html += `<a href="${escapeHtml(href)}" style="color:inherit;text-decoration:underline;">${inner.html}</a>`;
          text += inner.text === href ? href : `${inner.text} (${href})`;
        } else {
          html += inner.html;
          text += inner.text;
        }
        break;
      }
      case 'if':
      case 'unless': {
        const on = truthy(scope[part[1]]) === (part[0] === 'if');
        const inner = inline(on ? part[2] : part[3], scope);
        html += inner.html;
        text += inner.text;
        break;
      }
    }
  }
  return { html, text };
}

/** Inline content as plain text: subjects, preheaders and link targets. */
export function inlineText(parts: readonly InlinePart[], scope: MessageScope): string {
  return inline(parts, scope).text;
}

/** Lists that follow each other (one per `{{#each}}`, say) are one list to the reader. */
function mergeLists(blocks: readonly ThemeBlock[]): ThemeBlock[] {
  const merged: ThemeBlock[] = [];
  for (const block of blocks) {
    const last = merged[merged.length - 1];
    if (block.type === 'ul' && last?.type === 'ul') merged[merged.length - 1] = { type: 'ul', items: [...last.items, ...block.items] };
    else merged.push(block);
  }
  return merged;
}
