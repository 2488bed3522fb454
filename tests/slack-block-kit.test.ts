import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { replyBlocks } from '../src/bots/slack/format.ts';
import { customerBlocks, customerLine, parentBlocks } from '../src/bots/slack/handoff-blocks.ts';
import { notice, qaHelp, showBlocks } from '../src/bots/slack/qa-blocks.ts';
import { helpReply, noticeReply } from '../src/bots/slack/csi-blocks.ts';
import type { HandoffConversation } from '../src/db/handoff-repo.ts';
import type { QaCard, ReviewMessage } from '../src/db/qa-review-repo.ts';
import { escapeSlackText, fitBlocks, plainFallback, quoteEscaped, SLACK_LIMITS, truncate, type BlockData } from '../src/domain/block-kit.ts';
import { fixedSlackNotice, issueSlackNotice } from '../src/jobs/notifications/qa-messages.ts';
import { postMessage, updateMessage } from '../src/notify/slack.ts';
import { blockTextChars, MESSAGE_BLOCKS_CHARS, slackBlockProblems, startFakeSlack, type FakeSlack } from './helpers/fake-slack.ts';

// Issue 17, finding 5: every Slack message goes through one Block Kit layer that escapes first,
// then measures and cuts (Slack counts `&amp;`, not `&`), so no text a customer, a reviewer or
// the model writes can make Slack refuse a message. Hostile text: long, `&<>`-heavy, newline-heavy,
// emoji and surrogate pairs; the checks are the fake Slack server's, which answers as Slack does.

const NOW = new Date('2026-11-25T14:30:00Z');
/** The first n characters, never half an emoji (hostile text is valid; the test must not break it). */
const head = (s: string, n: number) => Array.from(s).slice(0, n).join('');

/** Text built to break limits: escaping triples `&<>`, quoting adds `> ` per line, emoji are two code units. */
const hostile = fc.oneof(
  fc.array(fc.constantFrom('&', '<', '>', '\n', '😀', '👩‍👩‍👧', 'é', 'a', ' ', '@channel', '&amp;', '```', '*', '<!here>', '\r\n'), { maxLength: 8000 }).map((a) => a.join('')),
  fc.string({ unit: 'grapheme', maxLength: 5000 }),
  fc.string({ unit: fc.constantFrom('&', '\n', '𝄞'), minLength: 2000, maxLength: 12000 }),
);

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** An `&` that does not start one of the three entities escaping makes: an entity was cut in half. */
const BROKEN_ENTITY = /&(?!amp;|lt;|gt;)/;

function texts(blocks: readonly unknown[]): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.text === 'string') out.push(o.text);
      Object.values(o).forEach(walk);
    }
  };
  walk(blocks);
  return out;
}

/** Everything Slack would check, as the fake Slack server checks it. */
function expectAcceptable(blocks: readonly unknown[], max = SLACK_LIMITS.blocksPerMessage): void {
  expect(slackBlockProblems(blocks, max)).toBeUndefined();
  expect(blockTextChars([...blocks])).toBeLessThanOrEqual(MESSAGE_BLOCKS_CHARS);
  for (const t of texts(blocks)) {
    expect(t, 'a surrogate pair was cut').not.toMatch(LONE_SURROGATE);
  }
}

const conversation: HandoffConversation = {
  id: 7, pageDbId: 1, fbPageId: '100', pageName: 'Oakhaven <Furniture> & Co', customerId: 3, psid: '123456789', customerName: 'Jane & <Doe>',
  blocked: false, customerLastMessageAt: NOW, state: 'waiting', reason: 'human_request', handoffAt: NOW, channel: 'C1', threadTs: '1.2',
  assignedToId: null, assigneeSlackId: null, assigneeName: null,
};

const card = (notes: string | null): QaCard => ({
  sessionId: 42, conversationId: 7, page: 'Oakhaven', startedAt: NOW, endedAt: NOW, messageCount: 15, aiMessageCount: 7, humanHandoff: false,
  completionStatus: 'complete', qaStatus: 'issue', qaVersion: 3, qaNotes: notes, devFeedback: notes, qaAt: NOW, qaBy: { name: 'Rev <iewer>' },
});

const message = (n: number, text: string): ReviewMessage => ({
  n, at: NOW, from: n % 2 ? 'customer' : 'bot', text, attachments: n % 3 ? [] : ['image'], classification: 'complaint', confidence: 0.9, processingMs: 800,
  ...(n % 2 ? {} : { responseMs: 4000, producedBy: 'LLM (gpt)' }),
});

describe('escape, then measure and cut', () => {
  it('never cuts an entity or a surrogate pair, and cuts within the limit', () => {
    fc.assert(
      fc.property(hostile, fc.integer({ min: 1, max: 4000 }), (s, max) => {
        const cut = truncate(escapeSlackText(s), max);
        expect(cut.length).toBeLessThanOrEqual(max);
        expect(cut).not.toMatch(BROKEN_ENTITY);
        expect(cut).not.toMatch(LONE_SURROGATE);
      }),
    );
  });

  it('quotes before cutting: a newline-heavy text stays within the limit once every line has its "> "', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const q = quoteEscaped(escapeSlackText(s), 2200);
        expect(q.length).toBeLessThanOrEqual(2200);
        expect(q).not.toMatch(BROKEN_ENTITY);
      }),
    );
  });
});

describe('every builder gives blocks Slack accepts, whatever the text', () => {
  it('a customer line in a handoff thread (the message that was lost)', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const line = customerLine(conversation, s);
        expectAcceptable(customerBlocks(line));
        expect(line).not.toMatch(BROKEN_ENTITY);
      }),
    );
    // the case that was refused: 2,000 `&` were 10,000 characters once escaped
    expectAcceptable(customerBlocks(customerLine(conversation, '&'.repeat(2000))));
  });

  it("a handoff thread's parent message with a hostile history", () => {
    fc.assert(
      fc.property(fc.array(hostile, { maxLength: 12 }), (lines) => {
        const history = lines.map((text, i) => ({ from: i % 2 ? ('bot' as const) : ('customer' as const), text, at: NOW }));
        expectAcceptable(parentBlocks({ ...conversation, customerName: lines[0] ?? null, pageName: lines[1] ?? null }, { history, now: NOW, timeZone: 'UTC' }));
      }),
      { numRuns: 50 },
    );
  });

  it('`/qa show`: 15 hostile messages make a page within every limit', () => {
    fc.assert(
      fc.property(fc.array(hostile, { minLength: 1, maxLength: 15 }), hostile, (msgs, notes) => {
        const reply = showBlocks(card(notes), { timeZone: 'UTC', transcript: { total: 40, offset: 0, messages: msgs.map((t, i) => message(i + 1, t)) } });
        expectAcceptable(reply.blocks);
      }),
      { numRuns: 40 },
    );
  });

  it('QA notices, assistant answers, help and notices', () => {
    fc.assert(
      fc.property(hostile, hostile, (a, b) => {
        const session = { sessionId: 42, conversationId: 7, page: head(a, 200), customer: 'J*** D***', excerpt: a, startedAt: NOW, qaStatus: 'issue', qaVersion: 2 };
        const event = { eventId: 1, sessionId: 42, toStatus: 'issue', notes: b, devFeedback: b, actor: { userId: 1, name: head(a, 100) } };
        expectAcceptable(issueSlackNotice(session, event, 2).blocks);
        expectAcceptable(fixedSlackNotice(session, event, a, 2).blocks);
        expectAcceptable(replyBlocks({ text: a + b, charts: [], toolCalls: [{ sql: ['x'] }], model: head(b, 500) }, { timezone: 'UTC', showSqlActionId: 'show_sql', sqlAvailable: true, showSqlValue: 'k1' }));
        expectAcceptable(qaHelp(a).blocks);
        expectAcceptable(notice(a).blocks);
        expectAcceptable(noticeReply(b).blocks);
        expectAcceptable(helpReply({ timeZone: 'UTC', problem: a }).blocks);
      }),
      { numRuns: 60 },
    );
  });

  it('usage texts show `<id>` as text, never as Slack markup', () => {
    const all = [...texts(qaHelp().blocks), ...texts(helpReply({ timeZone: 'UTC' }).blocks), helpReply({ timeZone: 'UTC' }).text];
    expect(all.join('\n')).toContain('/qa show &lt;id&gt;');
    expect(all.join('\n')).toContain('/pulse ask &lt;question&gt;');
    for (const t of all) expect(t).not.toMatch(/<(?!@|#|!date)[a-z]/);
  });
});

describe('fitBlocks holds any blocks to the limits', () => {
  const textBlock = fc.oneof(
    hostile.map((t): BlockData => ({ type: 'section', text: { type: 'mrkdwn', text: escapeSlackText(t) } })),
    hostile.map((t): BlockData => ({ type: 'header', text: { type: 'plain_text', text: t } })),
    fc.array(hostile, { maxLength: 14 }).map((ts): BlockData => ({ type: 'context', elements: ts.map((t) => ({ type: 'mrkdwn', text: escapeSlackText(t) })) })),
    fc.array(hostile, { maxLength: 14 }).map((ts): BlockData => ({ type: 'section', fields: ts.map((t) => ({ type: 'mrkdwn', text: escapeSlackText(t) })) })),
    fc.array(fc.tuple(hostile, fc.string({ maxLength: 2100 })), { maxLength: 30 }).map(
      (bs): BlockData => ({ type: 'actions', elements: bs.map(([t, v], i) => ({ type: 'button', action_id: `a${i}`, text: { type: 'plain_text', text: t }, value: v || 'v' })) }),
    ),
  );

  it('messages (50 blocks, the whole-message budget) and views (100 blocks)', () => {
    fc.assert(
      fc.property(fc.array(textBlock, { maxLength: 70 }), (blocks) => {
        expectAcceptable(fitBlocks(blocks));
        expect(slackBlockProblems(fitBlocks(blocks, { maxBlocks: 100, maxChars: SLACK_LIMITS.viewChars }), 100)).toBeUndefined();
      }),
      { numRuns: 40 },
    );
  });

  it('keeps a message whole when it fits, and says so when it had to shorten one', () => {
    const small: BlockData[] = [{ type: 'section', text: { type: 'mrkdwn', text: 'hello' } }];
    expect(fitBlocks(small)).toEqual(small);
    const big = Array.from({ length: 60 }, (_, i): BlockData => ({ type: 'section', text: { type: 'mrkdwn', text: `part ${i} ${'x'.repeat(400)}` } }));
    const fitted = fitBlocks(big);
    expect(fitted.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(fitted.at(-1))).toContain('shortened to fit in Slack');
  });

  it('a plain-text fallback carries the texts within its limit', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const text = plainFallback({ text: 'x', blocks: customerBlocks(customerLine(conversation, s)) });
        expect(text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
        expect(text).not.toMatch(LONE_SURROGATE);
      }),
    );
  });
});

describe('one layer', () => {
  it('no Slack message or view is sent except through src/notify/slack.ts', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const f of readdirSync(dir)) {
        const p = join(dir, f);
        if (statSync(p).isDirectory()) {
          if (f !== 'generated') walk(p);
        } else if (p.endsWith('.ts')) files.push(p);
      }
    };
    walk('src');
    const direct = files
      .filter((f) => f !== join('src', 'notify', 'slack.ts'))
      .filter((f) => /\.chat\s*\.\s*(postMessage|postEphemeral|update)\s*\(|\.views\s*\.\s*(publish|open|update|push)\s*\(/.test(readFileSync(f, 'utf8')));
    expect(direct).toEqual([]);
    // the check itself finds a direct call
    expect(/\.chat\s*\.\s*(postMessage|postEphemeral|update)\s*\(/.test('await client.chat\n  .postEphemeral({')).toBe(true);
  });
});

describe('sending through the layer, against the fake Slack server', () => {
  let fake: FakeSlack;
  let client: WebClient;
  beforeAll(async () => {
    fake = await startFakeSlack({ token: 'xoxb-test' });
    client = new WebClient('xoxb-test', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
  });
  afterAll(async () => fake?.close());
  beforeEach(() => fake.reset());

  it('blocks over the limits are fitted before they leave: Slack says ok', async () => {
    const text = escapeSlackText('&'.repeat(2000));
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text } }, { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(400) } }];
    // unfitted, the fake refuses them as Slack does
    await expect(client.chat.postMessage({ channel: 'C1', text: 'x', blocks: blocks as never })).rejects.toMatchObject({ data: { error: 'invalid_blocks' } });
    const res = await postMessage(client.chat, { channel: 'C1', text: 'x', blocks: blocks as never });
    expect(res.ok).toBe(true);
    expectAcceptable(fake.messages[0]!.blocks!);
  });

  it('a refused update becomes plain text with the old blocks cleared; other errors are not swallowed', async () => {
    const posted = await postMessage(client.chat, { channel: 'C1', text: 'first', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'first' } }] });
    fake.failNext('chat.update', { status: 200, error: 'msg_blocks_too_long' });
    await updateMessage(client.chat, { channel: 'C1', ts: posted.ts!, text: 'fallback', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'the *new* text' } }] });
    expect(fake.messages[0]).toMatchObject({ text: 'the *new* text', blocks: [] });
    fake.failNext('chat.postMessage', { status: 200, error: 'channel_not_found' });
    await expect(postMessage(client.chat, { channel: 'C1', text: 'x', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'x' } }] })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
    expect(fake.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C1')).toHaveLength(2);
  });
});
