// The Block Kit of a digest: header, headline figures as fields, one section per chosen part,
// the explanation, and "Open in QA" buttons on the sample sessions. The buttons reuse /qa's
// `qa_show` action (value {sessionId, version}), so the QA listener that shows a session from
// the queue also shows it from a digest. Pure; page names are escaped, never parsed as markup.
import { escapeSlackText, truncate } from './block-kit.ts';
import type { DigestSection } from './digest-command.ts';
import type { DigestData, DigestHeadline } from './digest.ts';

// Block Kit as plain data (https://docs.slack.dev/reference/block-kit/blocks): only the shapes
// used here, so the domain needs no Slack package.
export interface TextObject {
  type: 'mrkdwn' | 'plain_text';
  text: string;
  verbatim?: boolean;
  emoji?: boolean;
}
export interface ButtonElement {
  type: 'button';
  action_id: string;
  text: TextObject;
  value: string;
}
export type DigestBlock =
  | { type: 'header'; block_id?: string; text: TextObject }
  | { type: 'section'; block_id?: string; text?: TextObject; fields?: TextObject[] }
  | { type: 'context'; block_id?: string; elements: TextObject[] }
  | { type: 'actions'; block_id?: string; elements: ButtonElement[] };

/** /qa's "show this session" action id (src/bots/slack/qa-blocks.ts QA_ACTION.show). */
export const OPEN_IN_QA_ACTION = 'qa_show';

const esc = escapeSlackText;
const mrkdwn = (text: string): TextObject => ({ type: 'mrkdwn', text, verbatim: true });
const plain = (text: string): TextObject => ({ type: 'plain_text', text, emoji: true });
const field = (label: string, value: string) => mrkdwn(`*${label}*\n${value}`);

export interface BlocksInput {
  title: string;
  headline: DigestHeadline;
  explanation: string;
  sections: ReadonlySet<DigestSection>;
  chartTitles: string[];
}

export function digestBlocks(d: DigestData, o: BlocksInput): DigestBlock[] {
  const h = o.headline;
  const blocks: DigestBlock[] = [
    { type: 'header', text: plain(truncate(o.title, 150)) },
    { type: 'context', elements: [mrkdwn(`Days in ${esc(d.timezone)} · compared with ${esc(d.csi.previous.label)}`)] },
  ];
  const fields: TextObject[] = [];
  const has = (s: DigestSection) => o.sections.has(s);
  if (has('csi')) fields.push(field('CSI', `${h.csi} ${h.direction} ${h.csiChange === 'no data' ? '' : h.csiChange}`.trim()));
  if (has('volumes')) fields.push(field('Conversations · messages', `${h.conversations} · ${h.messages}`));
  if (has('response_times')) fields.push(field('First response (median · p90)', `${h.firstResponseP50} · ${h.firstResponseP90}`));
  if (has('bot')) fields.push(field('Bot containment · handoff rate', `${h.botContainment} · ${h.handoffRate}`));
  if (has('qa')) fields.push(field('QA waiting · issue rate', `${h.qaWaiting} · ${h.issueRate}`));
  if (fields.length) blocks.push({ type: 'section', block_id: 'digest_figures', fields: fields.slice(0, 10) });

  if (has('pillars') && d.csi.current.days > 0) {
    const c = d.csi.current.display;
    const p = d.csi.previousValues.display;
    blocks.push({
      type: 'section', block_id: 'digest_pillars',
      text: mrkdwn(`*Pillars* (0–10, previous in brackets): effectiveness ${c.effectiveness} (${p.effectiveness}) · effort ${c.effort} (${p.effort}) · efficiency ${c.efficiency} (${p.efficiency}) · empathy ${c.empathy} (${p.empathy})`),
    });
  }
  if (has('csi') && d.calibration && d.calibration.lines.length > 0) {
    // is the CSI telling the truth? what customers answered to the CSAT survey, by CSI band
    const [head, ...table] = d.calibration.lines;
    const body = table.length ? `\n\`\`\`${table.map(esc).join('\n')}\`\`\`` : '';
    blocks.push({ type: 'section', block_id: 'digest_csat', text: mrkdwn(truncate(`*${esc(head ?? '')}*${body}`, 3000)) });
  }
  if (has('bot')) {
    blocks.push({
      type: 'section', block_id: 'digest_handoff',
      text: mrkdwn(`*Handoffs now:* ${d.handoff.waiting} conversation${d.handoff.waiting === 1 ? '' : 's'} waiting for a human, ${d.handoff.human} with one`),
    });
  }
  if (has('topics') && d.stats.topics?.top.length) {
    const list = d.stats.topics.top.map((t) => `${esc(t.topic.replace(/_/g, ' '))} ${t.display.share}`).join(' · ');
    blocks.push({ type: 'section', block_id: 'digest_topics', text: mrkdwn(`*Top topics:* ${list}`) });
  }
  if (has('pipeline')) {
    const scope = d.period.from === d.period.to ? 'the day’s' : 'the period’s';
    blocks.push({
      type: 'context', block_id: 'digest_pipeline',
      elements: [mrkdwn(`${h.coverage} of ${scope} conversation-days scored (${d.pipeline.scoredDays} of ${d.pipeline.conversationDays}), last analysis run ${h.lastRun}`)],
    });
  }
  if (has('explanation') && o.explanation) {
    blocks.push({ type: 'section', block_id: 'digest_explanation', text: mrkdwn(truncate(esc(o.explanation), 2900)) });
  }
  if (d.samples.length) {
    blocks.push({
      type: 'section', block_id: 'digest_samples',
      text: mrkdwn(truncate(d.samples.map((s) => `• *Session ${s.sessionId}* · ${esc(s.page)}${s.csi !== null ? ` · CSI ${s.csi.toFixed(1)}` : ''} · ${esc(s.why)}`).join('\n'), 3000)),
    });
    // one actions block per session: Slack wants action ids unique within a block
    for (const s of d.samples.slice(0, 3)) {
      blocks.push({
        type: 'actions', block_id: `digest_open_qa:${s.sessionId}`,
        elements: [{ type: 'button', action_id: OPEN_IN_QA_ACTION, text: plain(`Open session ${s.sessionId} in QA`), value: JSON.stringify({ sessionId: s.sessionId, version: s.version }) }],
      });
    }
  }
  if (o.chartTitles.length) blocks.push({ type: 'context', elements: [mrkdwn(`Charts in the thread: ${o.chartTitles.map(esc).join(' · ')}`)] });
  return blocks;
}
