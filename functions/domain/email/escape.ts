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
