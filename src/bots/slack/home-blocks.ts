// The App Home tab: the KPI summary as a Block Kit `home` view. Pure: the numbers (the
// assistant's tool results) and the moment they were read come in, the view goes out. Figures
// are the tools' display strings, formatted as in the assistant's answers (CSI with one decimal,
// durations like "2 min 10 s"); a period without data says so instead of showing zeros.

import type { types } from '@slack/bolt';
import { localTime } from '../../agents/assistant/offline/answers.ts';
import type { CsiLookupResult, QaQueueResult, SupportStatsResult } from '../../db/read/index.ts';
import { direction, type Block } from './csi-blocks.ts';
import { escapeSlackText } from './format.ts';

export interface HomeKpis {
  /** this week, compared with last week */
  csi: CsiLookupResult;
  /** this week: volumes, responseTimes and sessions */
  stats: SupportStatsResult;
  qa: QaQueueResult;
  timeZone: string;
  /** when the numbers were read */
  updatedAt: Date;
}

export interface HomeView {
  type: 'home';
  blocks: Block[];
}

const mrkdwn = (text: string): types.MrkdwnElement => ({ type: 'mrkdwn', text, verbatim: true });
const field = (label: string, value: string): types.MrkdwnElement => mrkdwn(`*${label}*\n${value}`);
const section = (title: string, fields: types.MrkdwnElement[]): Block => ({ type: 'section', text: mrkdwn(title), fields });
const NO_DATA = 'no data';

/** "14:05" on the business clock. */
export function clockTime(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
}

/** How long something has waited: "45 min", "5 h", "3 days". */
export function waited(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.floor(hours / 24)} days`;
}

function csiSection(r: CsiLookupResult): Block[] {
  const c = r.current;
  const prev = r.previousValues;
  const csi = section('*Customer Satisfaction Index* (0–100)', [
    field('This week', c.days === 0 ? NO_DATA : c.display.csi),
    field('Last week', prev.days === 0 ? NO_DATA : prev.display.csi),
    field('Change', direction(r.change)),
    field('Days scored this week', c.display.days),
  ]);
  if (c.days === 0) return [csi];
  const pillars = section('*Pillars this week* (0–10)', [
    field('Effectiveness', c.display.effectiveness),
    field('Effort', c.display.effort),
    field('Efficiency', c.display.efficiency),
    field('Empathy', c.display.empathy),
  ]);
  return [csi, pillars];
}

function statsSections(s: SupportStatsResult): Block[] {
  const v = s.volumes;
  const rt = s.responseTimes;
  const ses = s.sessions;
  const hasVolume = v !== undefined && v.messages > 0;
  const hasTimes = rt !== undefined && rt.days > 0;
  const hasSessions = ses !== undefined && ses.total > 0;
  return [
    section('*Volume this week*', [
      field('Conversations', hasVolume ? v.display.conversations : NO_DATA),
      field('Messages', hasVolume ? `${v.display.messages} (${v.display.customerMessages} from customers)` : NO_DATA),
    ]),
    section('*Response times this week*', [
      field('First response, median', hasTimes ? rt.display.firstResponseP50 : NO_DATA),
      field('First response, 90th percentile', hasTimes ? rt.display.firstResponseP90 : NO_DATA),
    ]),
    section('*Bot this week*', [
      field('Bot containment', hasSessions ? ses.display.botContainmentRate : NO_DATA),
      field('Handoff rate', hasSessions ? ses.display.handoffRate : NO_DATA),
      field('Sessions', hasSessions ? ses.display.total : NO_DATA),
    ]),
  ];
}

function qaSection(q: QaQueueResult, k: HomeKpis): Block {
  const oldest = q.oldest[0];
  const since = oldest
    ? `${escapeSlackText(localTime(oldest.startedAt, k.timeZone))} (${waited(k.updatedAt.getTime() - Date.parse(oldest.startedAt))} ago), session ${oldest.sessionId}`
    : 'nothing waiting';
  return section('*QA backlog*', [field('Waiting for QA (unchecked)', q.display.waiting), field('Oldest waiting', since)]);
}

/** The Home tab with the KPI summary. At most 100 blocks (Slack's limit for views): this has 10. */
export function homeView(k: HomeKpis): HomeView {
  const tz = escapeSlackText(k.timeZone);
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: 'SupportPulse: support at a glance', emoji: false } },
    {
      type: 'context',
      elements: [mrkdwn(`This week: ${escapeSlackText(k.csi.period.label)} · last week: ${escapeSlackText(k.csi.previous.label)} · times in ${tz} · updated ${clockTime(k.updatedAt, k.timeZone)}`)],
    },
    ...csiSection(k.csi),
    ...statsSections(k.stats),
    qaSection(k.qa, k),
    { type: 'divider' },
    { type: 'context', elements: [mrkdwn('Ask me anything in a direct message, or try `/csi last week` and `/pulse help`. This page refreshes each time you open it.')] },
  ];
  return { type: 'home', blocks };
}

/** When the numbers cannot be read: the tab says so rather than showing stale or empty figures. */
export function homeErrorView(timeZone: string, at: Date): HomeView {
  return {
    type: 'home',
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'SupportPulse: support at a glance', emoji: false } },
      { type: 'section', text: mrkdwn('Sorry, the numbers could not be loaded just now. Open this tab again in a minute.') },
      { type: 'context', elements: [mrkdwn(`times in ${escapeSlackText(timeZone)} · tried at ${clockTime(at, timeZone)}`)] },
    ],
  };
}

/** For a caller whose role may not ask analytics in this workspace. */
export function homeDeniedView(reason: string): HomeView {
  return {
    type: 'home',
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'SupportPulse', emoji: false } },
      { type: 'section', text: mrkdwn(escapeSlackText(`The KPI summary is not available to you: ${reason} An admin can change your role.`)) },
    ],
  };
}
