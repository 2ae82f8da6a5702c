const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escapes text for HTML element content and quoted attribute values. Every value that reaches
 * an HTML part goes through this, whoever supplied it: a first name such as
 * `<img src=x onerror=alert(1)>` must arrive as text, never as markup.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * Keeps text for the plain part and the subject on one line: customer-supplied text with line
 * breaks could otherwise forge lines of the message (a subject is a header line).
 */
export function oneLine(text: string): string {
  return text.replace(/[\r\n\t\u2028\u2029]+/g, ' ').trim();
}

/**
 * A name as the member gave it, made safe to show: control characters (line breaks included)
 * become spaces and bidirectional overrides and isolates are removed, so a name of 200 × U+202E
 * cannot reverse the rest of the mail.
 */
export function cleanName(name: string): string {
  return (
    name
      .replace(/[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g, '')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters from a display name is the point
      .replace(/[\u0000-\u001F\u007F-\u009F\u2028\u2029]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
  );
}
