import { escapeHtml, oneLine } from './escape';

/** A rendered run of inline content: each piece once as HTML (escaped) and once as plain text. */
export interface Rich {
  readonly html: string;
  readonly text: string;
}

/**
 * The frame every mail is built in, from the client's theme: a table layout with inline styles
 * (what Outlook, Gmail and Apple Mail all render), `color-scheme` metadata and a dark-mode
 * media query for the clients that honour one, a hidden preheader, and a text part written
 * from the same blocks, so the two parts never say different things.
 */

export interface MailTheme {
  /** An https URL of the logo shown above the mail; the brand's name when absent. */
  readonly logoUrl?: string | undefined;
  /** Colours as `#rrggbb`. */
  readonly colors: {
    readonly background: string;
    readonly card: string;
    readonly text: string;
    readonly muted: string;
    readonly accent: string;
    readonly accentText: string;
  };
  /** A CSS font stack, e.g. `Helvetica, Arial, sans-serif`. */
  readonly fontStack: string;
  /** A line under every mail by language (`sv`), e.g. customer service hours. */
  readonly footerText?: Readonly<Record<string, string>> | undefined;
  /** The sender's postal address (CAN-SPAM asks for it in marketing mail); shown in every footer. */
  readonly postalAddress?: string | undefined;
}

/** Today's look: a neutral grey frame, a white card, a near-black button. */
export const DEFAULT_THEME: MailTheme = {
  colors: { background: '#f4f4f5', card: '#ffffff', text: '#18181b', muted: '#71717a', accent: '#18181b', accentText: '#ffffff' },
  fontStack: 'Helvetica,Arial,sans-serif',
};

export type ThemeBlock =
  | { readonly type: 'p' | 'h'; readonly rich: Rich }
  | { readonly type: 'ul'; readonly items: readonly Rich[] }
  | { readonly type: 'button'; readonly label: Rich; readonly href: string }
  | { readonly type: 'products'; readonly names: readonly string[] }
  | { readonly type: 'points'; readonly label: Rich; readonly value: string }
  | { readonly type: 'nps'; readonly question: Rich; readonly hint: Rich; readonly urls: readonly string[] };

export interface RenderedMail {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

export interface LayoutInput {
  readonly locale: string;
  readonly subject: string;
  readonly preheader: string;
  readonly blocks: readonly ThemeBlock[];
  readonly brand: { readonly name: string; readonly websiteUrl?: string | undefined };
  readonly unsubscribeUrl?: string | undefined;
  readonly footerReason: string;
  readonly unsubscribeLabel: string;
  readonly theme: MailTheme;
}

export function layoutMail(input: LayoutInput): RenderedMail {
  const { theme, brand } = input;
  const c = theme.colors;
  const e = escapeHtml;
  const font = e(theme.fontStack);
  const P = `font-size:16px;line-height:1.5;margin:0 0 16px;color:${c.text};`;
  const html: string[] = [];
  const text: string[] = [];
  for (const block of input.blocks) {
    switch (block.type) {
      case 'p':
        html.push(`<p style="${P}">${block.rich.html}</p>`);
        text.push(oneLine(block.rich.text));
        break;
      case 'h':
        html.push(`<h2 style="font-size:16px;font-weight:bold;margin:24px 0 8px;color:${c.text};">${block.rich.html}</h2>`);
        text.push(oneLine(block.rich.text));
        break;
      case 'ul':
        html.push(`<ul style="${P}">${block.items.map((i) => `<li>${i.html}</li>`).join('')}</ul>`);
        text.push(block.items.map((i) => `- ${oneLine(i.text)}`).join('\n'));
        break;
      case 'products':
        html.push(
          `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="margin:0 0 16px;border-collapse:collapse;">${block.names
            .map(
              (n) =>
                `<tr><td class="lojal-line" style="padding:8px 0;border-bottom:1px solid #e4e4e7;font-size:16px;color:${c.text};">${e(n)}</td></tr>`,
            )
            .join('')}</table>`,
        );
        text.push(block.names.map((n) => `- ${oneLine(n)}`).join('\n'));
        break;
      case 'points':
        html.push(
          `<table role="presentation" cellpadding="0" cellspacing="0" style="margin:0 0 16px;"><tr><td class="lojal-box" style="padding:12px 16px;border:1px solid ${c.accent};border-radius:6px;">` +
            `<span style="font-size:13px;color:${c.muted};">${block.label.html}</span><br><strong style="font-size:22px;color:${c.text};">${e(block.value)}</strong></td></tr></table>`,
        );
        text.push(`${oneLine(block.label.text)}: ${block.value}`);
        break;
      case 'nps':
        html.push(
          `<p style="${P}"><strong>${block.question.html}</strong><br>${block.hint.html}</p>`,
          `<p style="${P}">${block.urls
            .map(
              (u, score) =>
                `<a href="${e(u)}" style="display:inline-block;min-width:28px;padding:6px 0;margin:0 2px 4px 0;text-align:center;border:1px solid #d4d4d8;border-radius:4px;color:${c.text};text-decoration:none;">${score}</a>`,
            )
            .join('')}</p>`,
        );
        text.push(
          `${oneLine(block.question.text)} (${oneLine(block.hint.text)})\n${block.urls.map((u, score) => `${score}: ${u}`).join('\n')}`,
        );
        break;
      case 'button':
        html.push(
          `<table role="presentation" cellpadding="0" cellspacing="0" style="margin:0 0 16px;"><tr><td class="lojal-button" style="border-radius:6px;background:${c.accent};">` +
            `<a href="${e(block.href)}" style="display:inline-block;padding:12px 20px;font-size:16px;color:${c.accentText};border-radius:6px;text-decoration:none;">${block.label.html}</a></td></tr></table>`,
        );
        text.push(`${oneLine(block.label.text)}: ${block.href}`);
        break;
    }
  }
  const brandName = e(brand.name);
  const mark = theme.logoUrl
    ? `<img src="${e(theme.logoUrl)}" alt="${brandName}" height="40" style="display:block;height:40px;border:0;">`
    : brandName;
  const brandHtml = brand.websiteUrl ? `<a href="${e(brand.websiteUrl)}" style="color:${c.text};text-decoration:none;">${mark}</a>` : mark;
  const why = input.footerReason;
  const footerText = theme.footerText?.[input.locale.toLowerCase().split('-')[0] ?? ''];
  const footerLines = [
    `${e(why)}${input.unsubscribeUrl ? ` <a href="${e(input.unsubscribeUrl)}" style="color:${c.muted};">${e(input.unsubscribeLabel)}</a>` : ''}`,
    ...(footerText ? [e(footerText)] : []),
    ...(theme.postalAddress ? [e(theme.postalAddress)] : []),
  ];
  const subject = input.subject;
  const preheader = input.preheader
    ? `<div style="display:none;max-height:0;overflow:hidden;mso-hide:all;">${e(input.preheader)}&#8199;&#847;&#8199;&#847;&#8199;&#847;</div>`
    : '';
  const dark =
    `@media (prefers-color-scheme: dark){.lojal-bg{background:#18181b !important;}.lojal-card{background:#27272a !important;}` +
    `.lojal-card p,.lojal-card h2,.lojal-card li,.lojal-card td,.lojal-card a{color:#f4f4f5 !important;}.lojal-button{background:${c.accent} !important;}.lojal-button a{color:${c.accentText} !important;}.lojal-foot,.lojal-foot a{color:#a1a1aa !important;}}`;
  return {
    subject,
    html:
      `<!doctype html><html lang="${e(input.locale)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
      `<meta name="color-scheme" content="light dark"><meta name="supported-color-schemes" content="light dark"><title>${e(subject)}</title><style>${dark}</style></head>` +
      `<body class="lojal-bg" style="margin:0;padding:0;background:${c.background};font-family:${font};color:${c.text};">${preheader}` +
      `<table role="presentation" class="lojal-bg" width="100%" cellpadding="0" cellspacing="0" style="background:${c.background};"><tr><td align="center" style="padding:24px;">` +
      `<table role="presentation" class="lojal-card" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background:${c.card};border-radius:8px;"><tr><td style="padding:32px;font-family:${font};">` +
      `<p style="font-size:20px;font-weight:bold;margin:0 0 24px;color:${c.text};">${brandHtml}</p>${html.join('')}</td></tr></table>` +
      `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;"><tr><td class="lojal-foot" style="padding:16px 0 0;font-size:12px;line-height:1.5;color:${c.muted};font-family:${font};">` +
      `${footerLines.join('<br>')}</td></tr></table></td></tr></table></body></html>`,
    text: [
      oneLine(brand.name),
      '',
      text.join('\n\n'),
      '',
      '--',
      oneLine(why),
      ...(input.unsubscribeUrl ? [`${input.unsubscribeLabel}: ${input.unsubscribeUrl}`] : []),
      ...(footerText ? [oneLine(footerText)] : []),
      ...(theme.postalAddress ? [oneLine(theme.postalAddress)] : []),
      ...(brand.websiteUrl ? [brand.websiteUrl] : []),
    ].join('\n'),
  };
}
