// The one Block Kit layer every Slack message and view goes through before it is sent: text is
// escaped first (by the builders, with escapeSlackText), then measured and cut here, because
// Slack counts the escaped text (`&` is five characters once it is `&amp;`). fitBlocks holds
// any list of blocks to every per-element limit and to a whole-message budget; plainFallback
// turns a message Slack still refused into text alone, so it arrives anyway. Pure: blocks are
// plain data here (no Slack package), the adapters cast them to their SDK's types.

/**
 * Slack's documented limits, and one of ours.
 * - blocks per message 50, per modal / Home tab 100: https://docs.slack.dev/reference/block-kit/blocks
 * - section text 3000, fields ≤ 10 of ≤ 2000 each, block_id 255: https://docs.slack.dev/reference/block-kit/blocks/section-block
 * - header text 150: https://docs.slack.dev/reference/block-kit/blocks/header-block
 * - text object 1..3000: https://docs.slack.dev/reference/block-kit/composition-objects/text-object
 * - context ≤ 10 elements: https://docs.slack.dev/reference/block-kit/blocks/context-block
 * - actions ≤ 25 elements: https://docs.slack.dev/reference/block-kit/blocks/actions-block
 * - button text 75, action_id 255, value 2000: https://docs.slack.dev/reference/block-kit/block-elements/button-element
 * - confirm dialog title 100, text 300, buttons 30: https://docs.slack.dev/reference/block-kit/composition-objects/confirmation-dialog-object
 * - select placeholder 150: https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element
 * - message `text` is truncated by Slack above 40,000 characters (`msg_too_long`): https://docs.slack.dev/reference/methods/chat.postMessage
 * - messageChars is ours, not Slack's: messages whose blocks total ~13k characters have been
 *   refused with `msg_blocks_too_long` below every documented limit (slackapi/bolt-js#2509),
 *   so the text of one message's blocks stays under 12,000 characters.
 */
export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  blocksPerView: 100,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  textObject: 3000,
  blockId: 255,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  placeholder: 150,
  messageText: 40_000,
  messageChars: 12_000,
  viewChars: 100_000,
  /** what a plain-text fallback message carries at most */
  fallbackText: 3_000,
  /** an assistant answer's escaped text at most: the rest of messageChars is its context line and buttons */
  answerChars: 11_000,
} as const;

/** Invisible, and it stops `@channel` being read as the word `@channel`. */
export const MENTION_BREAK = '\u2060';
// not after a word character, so e-mail addresses such as ops@here.example stay intact
const BROADCAST = /(?<!\w)@(channel|here|everyone|group)\b/gi;

/**
 * Makes untrusted text safe to put in a Slack message or mrkdwn text object: `&`, `<` and `>`
 * are Slack's control characters (https://docs.slack.dev/messaging/formatting-message-text#escaping),
 * so no `<!channel>`, `<@U123>` or disguised link can come out of it; a bare `@channel` gets an
 * invisible character after the `@`.
 */
export function escapeSlackText(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(BROADCAST, (_m, word: string) => `@${MENTION_BREAK}${word}`);
}

const ENTITY_TAIL = /&(?:a(?:m(?:p)?)?|l(?:t)?|g(?:t)?)?$/;

/** Where to cut `s` at or before `max` without splitting an entity (`&amp;`) or a surrogate pair. */
export function safeCut(s: string, max: number): number {
  let cut = Math.min(max, s.length);
  const tail = ENTITY_TAIL.exec(s.slice(Math.max(0, cut - 4), cut));
  if (tail) cut -= tail[0].length;
  const code = s.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1; // high surrogate: keep the pair together
  return Math.max(0, cut);
}

/** Cuts escaped text to `max` characters, ending with an ellipsis, without splitting an entity or surrogate pair. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  if (max < 1) return '';
  return `${s.slice(0, safeCut(s, max - 1))}…`;
}

/** Escaped text as a mrkdwn quote (`> ` per line), cut to `max` after quoting, which is what Slack counts. */
export function quoteEscaped(escaped: string, max: number): string {
  return truncate(escaped.split('\n').map((l) => `> ${l}`).join('\n'), max);
}

// Blocks as plain data: only what fitting needs to read; everything else passes through.
export interface TextObject {
  type: string;
  text: string;
  [k: string]: unknown;
}
export interface BlockData {
  type: string;
  block_id?: string;
  [k: string]: unknown;
}

export interface FitOptions {
  /** blocks allowed: 50 in a message, 100 in a modal or the Home tab */
  maxBlocks: number;
  /** characters of text all blocks may carry together */
  maxChars: number;
}
export const MESSAGE_FIT: FitOptions = { maxBlocks: SLACK_LIMITS.blocksPerMessage, maxChars: SLACK_LIMITS.messageChars };
export const VIEW_FIT: FitOptions = { maxBlocks: SLACK_LIMITS.blocksPerView, maxChars: SLACK_LIMITS.viewChars };

const SHORTENED = '_… shortened to fit in Slack._';
const EMPTY = '…';

const isText = (v: unknown): v is TextObject => typeof v === 'object' && v !== null && typeof (v as TextObject).text === 'string';

function fitText<T>(t: T, max: number): T {
  if (!isText(t)) return t;
  const text = truncate(t.text, max);
  return { ...t, text: text.trim() === '' ? EMPTY : text };
}

function fitConfirm(c: unknown): unknown {
  if (typeof c !== 'object' || c === null) return c;
  const o = c as Record<string, unknown>;
  return {
    ...o,
    ...(o.title ? { title: fitText(o.title, SLACK_LIMITS.confirmTitle) } : {}),
    ...(o.text ? { text: fitText(o.text, SLACK_LIMITS.confirmText) } : {}),
    ...(o.confirm ? { confirm: fitText(o.confirm, SLACK_LIMITS.confirmButton) } : {}),
    ...(o.deny ? { deny: fitText(o.deny, SLACK_LIMITS.confirmButton) } : {}),
  };
}

/**
 * An interactive element within its limits, or undefined when it cannot be: a value or
 * action_id is data the app reads back, so cutting it would make the button do something else.
 */
function fitElement(e: unknown): unknown {
  if (typeof e !== 'object' || e === null) return e;
  const o = e as Record<string, unknown>;
  if (typeof o.action_id === 'string' && (o.action_id.length < 1 || o.action_id.length > SLACK_LIMITS.actionId)) return undefined;
  if (typeof o.value === 'string' && (o.value.length < 1 || o.value.length > SLACK_LIMITS.buttonValue)) return undefined;
  const out: Record<string, unknown> = { ...o };
  if (o.type === 'button' && o.text) out.text = fitText(o.text, SLACK_LIMITS.buttonText);
  if (o.placeholder) out.placeholder = fitText(o.placeholder, SLACK_LIMITS.placeholder);
  if (o.confirm) out.confirm = fitConfirm(o.confirm);
  return out;
}

/** One block within its per-element limits, or undefined when nothing valid is left of it. */
export function fitBlock(b: BlockData): BlockData | undefined {
  const out: BlockData = { ...b };
  if (typeof b.block_id === 'string' && b.block_id.length > SLACK_LIMITS.blockId) out.block_id = b.block_id.slice(0, SLACK_LIMITS.blockId);
  switch (b.type) {
    case 'section': {
      if (b.text !== undefined) out.text = fitText(b.text, SLACK_LIMITS.sectionText);
      if (Array.isArray(b.fields)) out.fields = b.fields.slice(0, SLACK_LIMITS.sectionFields).map((f) => fitText(f, SLACK_LIMITS.fieldText));
      if (Array.isArray(out.fields) && out.fields.length === 0) delete out.fields;
      if (b.accessory !== undefined) {
        const acc = fitElement(b.accessory);
        if (acc === undefined) delete out.accessory;
        else out.accessory = acc;
      }
      if (out.text === undefined && out.fields === undefined) out.text = { type: 'mrkdwn', text: EMPTY };
      return out;
    }
    case 'header':
      out.text = fitText(b.text, SLACK_LIMITS.headerText);
      return out;
    case 'context': {
      const elements = (Array.isArray(b.elements) ? b.elements : []).slice(0, SLACK_LIMITS.contextElements).map((e) => fitText(e, SLACK_LIMITS.textObject));
      return elements.length ? { ...out, elements } : undefined;
    }
    case 'actions': {
      const elements = (Array.isArray(b.elements) ? b.elements : []).map(fitElement).filter((e) => e !== undefined).slice(0, SLACK_LIMITS.actionsElements);
      return elements.length ? { ...out, elements } : undefined;
    }
    case 'input':
      if (b.label) out.label = fitText(b.label, SLACK_LIMITS.textObject);
      if (b.element) out.element = fitElement(b.element);
      return out;
    default:
      return out;
  }
}

/** The characters of text a block carries (what the whole-message budget counts). */
export function blockChars(b: BlockData): number {
  let n = 0;
  const add = (v: unknown) => {
    if (isText(v)) n += v.text.length;
  };
  add(b.text);
  if (Array.isArray(b.fields)) b.fields.forEach(add);
  if (Array.isArray(b.elements)) {
    for (const e of b.elements) {
      add(e);
      if (typeof e === 'object' && e !== null) add((e as Record<string, unknown>).text);
    }
  }
  return n;
}

/** A section cut down to `chars` characters of text, or undefined when too little room is left. */
function shrinkSection(b: BlockData, chars: number): BlockData | undefined {
  if (chars < 40 || !isText(b.text)) return undefined;
  return { ...b, text: fitText(b.text, chars), ...(b.fields ? { fields: undefined } : {}) };
}

/**
 * Any blocks within every limit Slack checks: each element (fitBlock), the number of blocks,
 * and the whole message's text. What does not fit is cut at the end of the first section that
 * overflows, or left out, and a context line says the message was shortened. Interactive blocks
 * (actions, inputs) are kept ahead of text, since a message without its buttons cannot be acted on.
 */
export function fitBlocks(blocks: readonly BlockData[], opts: FitOptions = MESSAGE_FIT): BlockData[] {
  const fitted = blocks.map(fitBlock).filter((b): b is BlockData => b !== undefined);
  if (fitted.length <= opts.maxBlocks && fitted.reduce((n, b) => n + blockChars(b), 0) <= opts.maxChars) return fitted;
  const interactive = (b: BlockData) => b.type === 'actions' || b.type === 'input';
  let budget = opts.maxChars - SHORTENED.length;
  let slots = opts.maxBlocks - 1;
  // interactive blocks first, in order, while they fit
  const keep = new Set<BlockData>();
  for (const b of fitted) {
    if (!interactive(b)) continue;
    const c = blockChars(b);
    if (slots > 0 && c <= budget) {
      keep.add(b);
      budget -= c;
      slots -= 1;
    }
  }
  let shortened = keep.size < fitted.filter(interactive).length;
  const out: BlockData[] = [];
  for (const b of fitted) {
    if (interactive(b)) {
      if (keep.has(b)) out.push(b);
      continue;
    }
    const c = blockChars(b);
    if (slots > 0 && c <= budget) {
      out.push(b);
      budget -= c;
      slots -= 1;
      continue;
    }
    shortened = true;
    const cut = slots > 0 && b.type === 'section' ? shrinkSection(b, budget) : undefined;
    if (cut) {
      out.push(cut);
      budget -= blockChars(cut);
      slots -= 1;
    }
  }
  // the last slot was held back for this note, so it always fits
  if (shortened) out.push({ type: 'context', elements: [{ type: 'mrkdwn', text: SHORTENED, verbatim: true }] });
  return out;
}

/** A message's `text` and blocks within every limit (see fitBlocks); blocks left as they are when absent. */
export function fitMessage<M extends { text?: string; blocks?: readonly unknown[] }>(m: M, opts: FitOptions = MESSAGE_FIT): M {
  const out = { ...m };
  if (typeof m.text === 'string') out.text = truncate(m.text, SLACK_LIMITS.messageText);
  if (Array.isArray(m.blocks)) out.blocks = fitBlocks(m.blocks as BlockData[], opts);
  return out;
}

/**
 * The message as text alone, for when Slack refuses its blocks anyway: the blocks' texts (already
 * escaped) line by line, within SLACK_LIMITS.fallbackText. Buttons are lost; what people need to
 * read is not.
 */
export function plainFallback(m: { text?: string; blocks?: readonly unknown[] }): string {
  const lines: string[] = [];
  const add = (v: unknown) => {
    if (isText(v) && v.text.trim() !== '') lines.push(v.text);
  };
  for (const raw of m.blocks ?? []) {
    const b = raw as BlockData;
    add(b.text);
    if (Array.isArray(b.fields)) b.fields.forEach(add);
    if (b.type === 'context' && Array.isArray(b.elements)) b.elements.forEach(add);
  }
  const body = lines.length ? lines.join('\n') : (m.text ?? '');
  return truncate(body || EMPTY, SLACK_LIMITS.fallbackText);
}
