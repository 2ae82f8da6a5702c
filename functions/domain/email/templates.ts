import { type RenderableKind, TEMPLATE_DATA, type TemplateData } from './template-data';
import { ValidationError } from '../../runtime/errors';
import { MAIL_COPY } from './copy';
import { DEFAULT_MESSAGES } from './default-messages';
import type { MailTheme, RenderedMail } from './layout';
import type { TemplateLocale } from './locale';
import { type CompiledMessages, type MessageScope, type MessageValue, renderMessage, textValue } from './message';
import { byName, type DisplayNames, presetScope } from './preset-scope';

/**
 * Lojal's mail templates, rendered inside the function (see the README, "Emails", for why not
 * SES stored templates): one zod schema per kind for the data, validated before anything is
 * sent, and one render function per kind producing the subject, an HTML part and a text part
 * in the member's language, in the client's brand.
 */

export { isRenderable, RENDERABLE_KINDS, type RenderableKind, TEMPLATE_DATA, type TemplateData } from './template-data';

export type { RenderedMail } from './layout';

/** Thrown when a template's data fails its schema; names the field, e.g. `welcome.balance`. */
export class TemplateDataError extends ValidationError {}

/** Thrown when the client has no message for a kind in a locale (the build checks there always is one). */
export class MissingMessageError extends TemplateDataError {}

/** What a client's configuration contributes to its mail: its compiled messages, its theme, its display names. */
export interface ClientMessages {
  readonly messages?: CompiledMessages | undefined;
  readonly theme?: MailTheme | undefined;
  /** Rewards and perks by id, as the client file writes them. */
  readonly names?: DisplayNames | undefined;
  /** To find a reward's or perk's id from the name a mail's data carries. */
  readonly rewards?: readonly { readonly id: string; readonly name: string }[];
  readonly spendRewards?: readonly { readonly id: string; readonly name: string }[];
  readonly perks?: readonly { readonly id: string; readonly name: string }[];
}

/**
 * Renders one preset mail with the client's message for `kind` in `locale` (`renderMessage`
 * does the rendering). Validates `data` with the kind's schema first and throws
 * `TemplateDataError` naming the field: SES reports a stored template's rendering failure only
 * after the send was accepted, by which time the mail is lost; here nothing is sent.
 *
 * @example
 * const mail = renderClientMail(config, 'birthday', 'sv', { brand: { name: 'Demo' }, bonusPoints: 200, unsubscribeUrl });
 */
export function renderClientMail<K extends RenderableKind>(
  client: ClientMessages,
  kind: K,
  locale: TemplateLocale,
  data: unknown,
): RenderedMail {
  const parsed = TEMPLATE_DATA[kind].safeParse(data);
  if (!parsed.success) {
    const error = ValidationError.fromZod(parsed.error, kind);
    throw new TemplateDataError(error.field, error.reason);
  }
  const message = client.messages?.[kind]?.[locale];
  if (!message) throw new MissingMessageError(`messages.${kind}.${locale}`, 'the client has no such message');
  const valid = parsed.data as TemplateData<K>;
  const names: DisplayNames = {
    ...client.names,
    rewards: byName(client.names?.rewards, [...(client.rewards ?? []), ...(client.spendRewards ?? [])]),
    perks: byName(client.names?.perks, client.perks ?? []),
  };
  const preset = presetScope(kind, valid, locale, names);
  const copy = MAIL_COPY[locale];
  const unsubscribeUrl = 'unsubscribeUrl' in valid && typeof valid.unsubscribeUrl === 'string' ? valid.unsubscribeUrl : undefined;
  return renderMessage({
    message,
    locale,
    ...preset,
    brand: valid.brand,
    unsubscribeUrl,
    footerReason: unsubscribeUrl ? copy.footer.marketing(valid.brand.name) : copy.footer.service(valid.brand.name),
    unsubscribeLabel: copy.footer.unsubscribe,
    ...(client.theme ? { theme: client.theme } : {}),
  });
}

/**
 * Renders one mail with the messages Lojal ships (messages/*.md), for a client that wrote
 * none and for tests and benchmarks; the sender uses `renderClientMail` with the client's.
 *
 * @example
 * const mail = renderMail('birthday', 'sv', { brand: { name: 'Demo' }, bonusPoints: 200, unsubscribeUrl });
 */
export function renderMail<K extends RenderableKind>(kind: K, locale: TemplateLocale, data: unknown): RenderedMail {
  return renderClientMail({ messages: DEFAULT_MESSAGES }, kind, locale, data);
}

/** What a flow's mail is made from besides the client's messages: the member, the links, the run's trigger event. */
export interface FlowMailInput {
  readonly messageId: string;
  readonly brand: { readonly name: string; readonly websiteUrl?: string | undefined };
  readonly firstName?: string | undefined;
  readonly unsubscribeUrl?: string | undefined;
  /** The detail of the event that started the run: `{{event.orderId}}`, `{{#each event.lines as line}}`. */
  readonly event: Readonly<Record<string, unknown>>;
}

/**
 * Renders a client message a flow's `email` step sends (docs/flows.md): its variables are the
 * member's, the brand's and the trigger event's, which the build checked against the trigger's
 * schema (lib/messages/check.ts). Throws `MissingMessageError` for a message the client lacks.
 */
export function renderFlowMail(client: ClientMessages, locale: TemplateLocale, input: FlowMailInput): RenderedMail {
  const message = client.messages?.[input.messageId]?.[locale];
  if (!message) throw new MissingMessageError(`messages.${input.messageId}.${locale}`, 'the client has no such message');
  const copy = MAIL_COPY[locale];
  return renderMessage({
    message,
    locale,
    scope: {
      'brand.name': textValue(input.brand.name),
      'brand.websiteUrl': textValue(input.brand.websiteUrl),
      'member.firstName': textValue(input.firstName),
      ...eventScope(input.event),
    },
    brand: input.brand,
    unsubscribeUrl: input.unsubscribeUrl,
    footerReason: input.unsubscribeUrl ? copy.footer.marketing(input.brand.name) : copy.footer.service(input.brand.name),
    unsubscribeLabel: copy.footer.unsubscribe,
    ...(client.theme ? { theme: client.theme } : {}),
  });
}

/** An event's detail as message variables: `event.<path>` for each value, a list for each array (its items' fields as text). */
export function eventScope(detail: Readonly<Record<string, unknown>>): MessageScope {
  const scope: Record<string, MessageValue> = {};
  const text = (value: unknown): MessageValue | undefined =>
    typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
      ? { text: String(value), on: value !== '' && value !== false }
      : undefined;
  const walk = (value: unknown, path: string, depth: number): void => {
    if (depth > 4) return;
    if (Array.isArray(value)) {
      scope[path] = {
        items: value.slice(0, 100).map((item): MessageScope => {
          if (typeof item === 'object' && item !== null)
            return Object.fromEntries(Object.entries(item).flatMap(([k, v]) => (text(v) ? [[k, text(v)]] : [])));
          const single = text(item);
          return single ? { value: single } : {};
        }),
      };
      return;
    }
    if (typeof value === 'object' && value !== null) {
      for (const [key, inner] of Object.entries(value)) walk(inner, `${path}.${key}`, depth + 1);
      return;
    }
    const single = text(value);
    if (single) scope[path] = single;
  };
  walk(detail, 'event', 0);
  return scope;
}
