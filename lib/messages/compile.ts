import type { CompiledMessage, InlinePart, MessageBlock } from '../../functions/domain/email/message';

/**
 * The build-time half of client messages: Markdown with front matter and `{{…}}` tags in,
 * the JSON of `CompiledMessage` out (functions/domain/email/message.ts renders it). It runs
 * when `cdk synth` or `npm start` loads a client, never in a function, so no bundle carries
 * it. The language is small on purpose (docs/messages.md):
 *
 * - front matter: `subject:` (required, one line), `preheader:`, `trigger:` (for a message only
 *   a flow sends: the event whose detail fills `{{event.…}}`);
 * - Markdown: paragraphs, `#`/`##` headings, `- ` lists, `**bold**`, `*italic*`,
 *   `[text](https://… or {{url variable}})`, `\` to escape;
 * - tags: `{{path}}`, `{{#if path}}…{{else}}…{{/if}}`, `{{#unless path}}…{{/unless}}` (inline
 *   or on lines of their own around blocks), `{{#each path as item}}…{{/each}}` around blocks;
 * - blocks, each on a line of its own: `{{> button "Label" href}}`, `{{> products}}`,
 *   `{{> points "Label"}}`, `{{> nps "Question" "Hint"}}`.
 */

/** Thrown for a message that cannot be compiled; names the file and the line. */
export class MessageSyntaxError extends Error {
  override readonly name = 'MessageSyntaxError';
  constructor(
    readonly source: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${source}:${line}: ${reason}`);
  }
}

export interface ParsedMessageFile {
  readonly message: CompiledMessage;
  /** `trigger:` from the front matter, for a message that is not a preset. */
  readonly trigger?: string;
  /** The subject as written, to bound its length. */
  readonly subjectSource: string;
}

const FRONT_MATTER_KEYS = new Set(['subject', 'preheader', 'trigger']);
const PATH = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/;

export function compileMessage(markdown: string, source: string): ParsedMessageFile {
  const lines = markdown.replace(/^\uFEFF/, '').split(/\r?\n/);
  const front = new Map<string, string>();
  let start = 0;
  if (lines[0]?.trim() === '---') {
    const end = lines.findIndex((l, i) => i > 0 && l.trim() === '---');
    if (end < 0) throw new MessageSyntaxError(source, 1, 'the front matter has no closing ---');
    for (let i = 1; i < end; i++) {
      const line = lines[i] ?? '';
      if (line.trim() === '' || line.trim().startsWith('#')) continue;
      const m = /^([A-Za-z]+):\s*(.*)$/.exec(line);
      if (!m?.[1]) throw new MessageSyntaxError(source, i + 1, 'front matter lines are `key: value`');
      if (!FRONT_MATTER_KEYS.has(m[1]))
        throw new MessageSyntaxError(source, i + 1, `unknown front matter key "${m[1]}" (subject, preheader, trigger)`);
      front.set(m[1], unquote(m[2] ?? ''));
    }
    start = end + 1;
  }
  const subject = front.get('subject');
  if (subject === undefined || subject.trim() === '') throw new MessageSyntaxError(source, 1, 'needs a subject in the front matter');
  const parser = new BodyParser(lines.slice(start), start, source);
  const body = parser.blocks(new Set());
  const trigger = front.get('trigger');
  return {
    message: {
      source,
      subject: parseInline(subject, source, 2),
      preheader: parseInline(front.get('preheader') ?? '', source, 3),
      body,
    },
    ...(trigger ? { trigger } : {}),
    subjectSource: subject,
  };
}

function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))) return v.slice(1, -1);
  return v;
}

const CONTROL = /^\{\{\s*(#if|#unless|#each|else|\/if|\/unless|\/each|>)\s*((?:[^{}"]|"(?:[^"\\]|\\.)*")*?)\s*\}\}$/;

/** The body, line by line: control lines nest blocks; the Markdown between them becomes paragraphs, headings and lists. */
class BodyParser {
  private i = 0;
  constructor(
    private readonly lines: readonly string[],
    private readonly offset: number,
    private readonly source: string,
  ) {}

  private fail(reason: string, at = this.i): never {
    throw new MessageSyntaxError(this.source, this.offset + at + 1, reason);
  }

  /** Blocks up to one of `stops` (which it does not consume) or the end. */
  blocks(stops: ReadonlySet<string>): MessageBlock[] {
    const out: MessageBlock[] = [];
    let chunk: { line: number; text: string }[] = [];
    const flush = () => {
      out.push(...this.markdown(chunk));
      chunk = [];
    };
    while (this.i < this.lines.length) {
      const raw = this.lines[this.i] ?? '';
      const m = CONTROL.exec(raw.trim());
      if (!m) {
        chunk.push({ line: this.i, text: raw });
        this.i++;
        continue;
      }
      const [, tag = '', arg = ''] = m;
      if (stops.has(tag)) {
        flush();
        return out;
      }
      flush();
      const at = this.i;
      this.i++;
      switch (tag) {
        case '#if':
        case '#unless': {
          const path = this.path(arg, at);
          const close = tag === '#if' ? '/if' : '/unless';
          const then = this.blocks(new Set(['else', close]));
          let otherwise: MessageBlock[] = [];
          if (this.peekTag() === 'else') {
            this.i++;
            otherwise = this.blocks(new Set([close]));
          }
          if (this.peekTag() !== close) this.fail(`{{${tag} ${path}}} has no {{${close}}}`, at);
          this.i++;
          out.push([tag === '#if' ? 'if' : 'unless', path, then, otherwise]);
          break;
        }
        case '#each': {
          const e = /^([A-Za-z][\w.]*)\s+as\s+([A-Za-z]\w*)$/.exec(arg);
          if (!e?.[1] || !e[2]) this.fail('{{#each}} is written {{#each list as item}}', at);
          const body = this.blocks(new Set(['/each']));
          if (this.peekTag() !== '/each') this.fail(`{{#each ${e[1]}}} has no {{/each}}`, at);
          this.i++;
          out.push(['each', this.path(e[1], at), e[2], body]);
          break;
        }
        case '>':
          out.push(this.directive(arg, at));
          break;
        default:
          this.fail(`{{${tag}}} without its opening tag`, at);
      }
    }
    flush();
    if (stops.size > 0) this.fail(`missing ${[...stops].map((s) => `{{${s}}}`).join(' or ')}`, this.lines.length - 1);
    return out;
  }

  private peekTag(): string | undefined {
    return CONTROL.exec((this.lines[this.i] ?? '').trim())?.[1];
  }

  private path(arg: string, at: number): string {
    if (!PATH.test(arg)) this.fail(`"${arg}" is not a variable name such as member.firstName`, at);
    return arg;
  }

  private directive(arg: string, at: number): MessageBlock {
    const words = [...arg.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) =>
      m[1] !== undefined ? { quoted: true, value: m[1].replace(/\\(.)/g, '$1') } : { quoted: false, value: m[2] ?? '' },
    );
    const [name, ...args] = words;
    const blockName = name && !name.quoted ? name.value : '';
    const text = (n: number, what: string): InlinePart[] => {
      const a = args[n];
      if (!a?.quoted) return this.fail(`{{> ${blockName}}} needs ${what} in double quotes`, at);
      return parseInline(a.value, this.source, this.offset + at + 1);
    };
    const href = (n: number): InlinePart[] => {
      const a = args[n];
      if (!a) return this.fail('{{> button}} needs a link: a url variable or an https address', at);
      if (a.quoted) return [a.value];
      return PATH.test(a.value) ? [['v', a.value]] : [a.value];
    };
    switch (blockName) {
      case 'button':
        return ['button', text(0, 'its label'), href(1)];
      case 'products':
        return ['products'];
      case 'points':
        return ['points', text(0, 'its label')];
      case 'nps':
        return ['nps', text(0, 'the question'), text(1, 'the hint under it')];
      default:
        return this.fail(`unknown block {{> ${arg}}} (button, products, points, nps)`, at);
    }
  }

  /** Paragraphs (lines joined by spaces), `#` headings and `- ` lists, split at blank lines. */
  private markdown(chunk: readonly { line: number; text: string }[]): MessageBlock[] {
    const out: MessageBlock[] = [];
    let para: { line: number; text: string }[] = [];
    let list: (readonly InlinePart[])[] = [];
    const endPara = () => {
      if (para.length > 0)
        out.push(['p', parseInline(para.map((p) => p.text.trim()).join(' '), this.source, this.offset + (para[0]?.line ?? 0) + 1)]);
      para = [];
    };
    const endList = () => {
      if (list.length > 0) out.push(['ul', list]);
      list = [];
    };
    for (const { line, text } of chunk) {
      const t = text.trim();
      if (t === '') {
        endPara();
        endList();
        continue;
      }
      const heading = /^(#{1,3})\s+(.*)$/.exec(t);
      const item = /^[-*]\s+(.*)$/.exec(t);
      if (heading) {
        endPara();
        endList();
        out.push(['h', parseInline(heading[2] ?? '', this.source, this.offset + line + 1)]);
      } else if (item) {
        endPara();
        list.push(parseInline(item[1] ?? '', this.source, this.offset + line + 1));
      } else if (list.length > 0 && /^\s/.test(text)) {
        // An indented line continues the list item above it.
        const last = list.pop() ?? [];
        list.push([...last, ' ', ...parseInline(t, this.source, this.offset + line + 1)]);
      } else {
        endList();
        if (/^(<|!\[|\|)/.test(t)) this.fail('HTML, images and tables are not part of the message language (docs/messages.md)', line);
        para.push({ line, text });
      }
    }
    endPara();
    endList();
    return out;
  }
}

/** Inline Markdown and tags of one line (or one paragraph joined into a line). */
export function parseInline(text: string, source: string, line: number): InlinePart[] {
  let i = 0;
  const fail = (reason: string): never => {
    throw new MessageSyntaxError(source, line, reason);
  };
  /** Parts up to a stop (`**`, `*`, `]`, `)`, `{{else}}`, `{{/if}}`) which is returned, not consumed. */
  const parts = (stops: readonly string[]): { parts: InlinePart[]; stop: string | undefined } => {
    const out: InlinePart[] = [];
    let literal = '';
    const push = (p: InlinePart) => {
      if (literal) out.push(literal);
      literal = '';
      out.push(p);
    };
    while (i < text.length) {
      const rest = text.slice(i);
      const stop = stops.find((s) => rest.startsWith(s) && !(s === '*' && rest.startsWith('**')));
      if (stop !== undefined) {
        if (literal) out.push(literal);
        return { parts: out, stop };
      }
      if (rest.startsWith('\\') && rest.length > 1) {
        literal += rest[1];
        i += 2;
      } else if (rest.startsWith('{{')) {
        const end = rest.indexOf('}}');
        if (end < 0) fail('a {{ without its }}');
        const tag = rest.slice(2, end).trim();
        i += end + 2;
        const cond = /^#(if|unless)\s+(.+)$/.exec(tag);
        if (cond?.[1] && cond[2]) {
          const kind = cond[1] === 'if' ? 'if' : 'unless';
          const path = cond[2].trim();
          if (!PATH.test(path)) fail(`"${path}" is not a variable name such as member.firstName`);
          const then = parts([...stops, '{{else}}', `{{/${kind}}}`]);
          let otherwise: InlinePart[] = [];
          if (then.stop === '{{else}}') {
            i += then.stop.length;
            const e = parts([...stops, `{{/${kind}}}`]);
            otherwise = e.parts;
            if (e.stop !== `{{/${kind}}}`) fail(`{{#${kind} ${path}}} has no {{/${kind}}}`);
          } else if (then.stop !== `{{/${kind}}}`) fail(`{{#${kind} ${path}}} has no {{/${kind}}}`);
          i += `{{/${kind}}}`.length;
          push([kind, path, then.parts, otherwise]);
        } else if (PATH.test(tag)) {
          push(['v', tag]);
        } else {
          fail(`{{${tag}}} is not a variable or an inline {{#if}} (blocks such as {{> button}} go on a line of their own)`);
        }
      } else if (rest.startsWith('**')) {
        i += 2;
        const inner = parts(['**']);
        if (inner.stop !== '**') fail('a ** without its closing **');
        i += 2;
        push(['b', inner.parts]);
      } else if (rest.startsWith('*') && !/^\*\s/.test(rest)) {
        i += 1;
        const inner = parts(['*']);
        if (inner.stop !== '*') fail('a * without its closing *');
        i += 1;
        push(['i', inner.parts]);
      } else if (rest.startsWith('[')) {
        i += 1;
        const label = parts([']']);
        if (label.stop !== ']' || text[i + 1] !== '(') fail('a link is written [text](https://… or {{variable}})');
        i += 2;
        const href = parts([')']);
        if (href.stop !== ')') fail('a link without its closing )');
        i += 1;
        push(['a', href.parts, label.parts]);
      } else {
        literal += rest[0];
        i += 1;
      }
    }
    if (literal) out.push(literal);
    return { parts: out, stop: undefined };
  };
  const result = parts([]);
  return result.parts;
}
