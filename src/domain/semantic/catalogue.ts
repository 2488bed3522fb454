// The metrics catalogue: the one definition of every number the product shows (DESIGN §7).
// Pure data. A measure names its source (the grain and the FROM over the analytics views), the
// SQL of one row's value, its unit, and which statistics and dimensions it allows; the compiler
// (src/db/semantic) turns a query over it into one SQL statement. Nothing else computes figures.
import { DIMENSIONS, type Dimension, type Measure, type Source, type SourceName, type Statistic, type Unit } from './catalogue-types.ts';

export { DIMENSIONS, STATISTICS, type Dimension, type Measure, type Source, type SourceName, type Statistic, type Unit } from './catalogue-types.ts';

const TIME_DIMS = (t: string, kind: 'date' | 'instant'): Partial<Record<Dimension, string>> => {
  const local = kind === 'date' ? t : `(${t} AT TIME ZONE {tz})`;
  return {
    day: `(${local})::date`,
    week: `date_trunc('week', ${local})::date`,
    month: `to_char(${local}, 'YYYY-MM')`,
    weekday: `extract(isodow FROM ${local})::int`,
    ...(kind === 'instant' ? { hour: `extract(hour FROM ${local})::int` } : {}),
  };
};

/** Who handled a reviewed session: a human agent when one replied in it, else the bot. */
const REVIEWED_SENDER = `CASE WHEN s.first_human_agent IS NOT NULL THEN 'human_agent' ELSE 'bot' END`;

const PAGE_JOIN = 'JOIN analytics.conversations c ON c.id = {alias}.conversation_id JOIN analytics.pages p ON p.id = c.page_id';
const pageJoin = (alias: string) => ({ page: PAGE_JOIN.replace('{alias}', alias) });

export const SOURCES: Record<SourceName, Source> = {
  conversation_days: {
    name: 'conversation_days',
    grain: 'conversation-days',
    from: 'analytics.daily_analyses d',
    joins: pageJoin('d'),
    time: { expr: 'd.day', kind: 'date' },
    dimensions: {
      page: 'p.name',
      ...TIME_DIMS('d.day', 'date'),
      agent: 'ag.agent_name',
    },
    // a conversation-day counts for every human agent who wrote in it that day (human_agents)
    groupJoins: { agent: 'LEFT JOIN LATERAL unnest(d.human_agents) ag(agent_name) ON true' },
  },
  messages: {
    name: 'messages',
    grain: 'messages',
    from: 'analytics.messages m',
    joins: pageJoin('m'),
    time: { expr: 'm.social_create_time', kind: 'instant' },
    // agents are people: the bot's messages carry its name too
    dimensions: {
      // topic: a reviewer's corrected label when there is one, else the model's (analytics.messages.topic)
      page: 'p.name', ...TIME_DIMS('m.social_create_time', 'instant'), topic: 'm.topic', sender: 'm.sender_kind',
      agent: `CASE WHEN m.sender_kind = 'human_agent' THEN m.agent_name END`,
    },
  },
  replies: {
    name: 'replies',
    grain: 'answered customer messages',
    // each customer message with the first reply at or after it in its conversation (kept by
    // src/db/reply-facts.ts); sender and agent are the reply's, the topic the customer message's
    from: 'analytics.message_replies r',
    joins: { ...pageJoin('r'), topic: 'JOIN analytics.messages m ON m.id = r.message_id' },
    time: { expr: 'r.asked_at', kind: 'instant' },
    dimensions: {
      page: 'p.name', ...TIME_DIMS('r.asked_at', 'instant'), topic: 'm.topic', sender: 'r.reply_kind',
      agent: `CASE WHEN r.reply_kind = 'human_agent' THEN r.reply_agent END`,
    },
  },
  sessions: {
    name: 'sessions',
    grain: 'sessions',
    from: 'analytics.sessions s',
    // reviewer: who gave the session its review (its last pass or issue), not a developer who fixed it since
    joins: {
      ...pageJoin('s'),
      reviewer: `LEFT JOIN analytics.users u ON u.id = (SELECT r.actor_id FROM analytics.qa_events r WHERE r.session_id = s.id AND r.to_status IN ('passed', 'issue') ORDER BY r.created_at DESC, r.id DESC LIMIT 1)`,
    },
    time: { expr: 's.started_at', kind: 'instant' },
    dimensions: {
      // agent: the first human agent who replied in the session
      page: 'p.name', ...TIME_DIMS('s.started_at', 'instant'), qa_state: 's.qa_status', reviewer: 'u.name', agent: 's.first_human_agent',
    },
  },
  qa_events: {
    name: 'qa_events',
    grain: 'QA changes',
    // through sessions: a deleted session's changes are gone with it
    from: 'analytics.qa_events e JOIN analytics.sessions s ON s.id = e.session_id',
    joins: { ...pageJoin('s'), reviewer: 'LEFT JOIN analytics.users u ON u.id = e.actor_id' },
    time: { expr: 'e.created_at', kind: 'instant' },
    dimensions: { page: 'p.name', ...TIME_DIMS('e.created_at', 'instant'), reviewer: 'u.name', qa_state: 'e.to_status' },
  },
  // scorecard reviews (issue 20): dated when the review was first saved; the session gives the page,
  // the agent (its first human agent), its QA state and who handled it (sender: a human agent
  // replied in it, else the bot)
  qa_reviews: {
    name: 'qa_reviews',
    grain: 'scorecard reviews',
    from: 'analytics.qa_reviews r JOIN analytics.sessions s ON s.id = r.session_id',
    joins: { ...pageJoin('s'), reviewer: 'LEFT JOIN analytics.users u ON u.id = r.reviewer_id' },
    time: { expr: 'r.created_at', kind: 'instant' },
    dimensions: { page: 'p.name', ...TIME_DIMS('r.created_at', 'instant'), reviewer: 'u.name', agent: 's.first_human_agent', qa_state: 's.qa_status', sender: REVIEWED_SENDER },
  },
  qa_answers: {
    name: 'qa_answers',
    grain: 'scorecard answers',
    from: 'analytics.qa_review_answers a JOIN analytics.qa_reviews r ON r.id = a.review_id JOIN analytics.sessions s ON s.id = r.session_id',
    joins: { ...pageJoin('s'), reviewer: 'LEFT JOIN analytics.users u ON u.id = r.reviewer_id' },
    time: { expr: 'r.created_at', kind: 'instant' },
    dimensions: {
      page: 'p.name', ...TIME_DIMS('r.created_at', 'instant'), reviewer: 'u.name', agent: 's.first_human_agent', qa_state: 's.qa_status', sender: REVIEWED_SENDER,
      qa_category: 'a.category_label',
    },
  },
  // reviewers' sheets in closed calibrations, dated when the calibration closed
  calibration_sheets: {
    name: 'calibration_sheets',
    grain: 'calibration sheets',
    from: 'analytics.qa_calibration_sheets k JOIN analytics.sessions s ON s.id = k.session_id',
    joins: { ...pageJoin('s'), reviewer: 'LEFT JOIN analytics.users u ON u.id = k.reviewer_id' },
    time: { expr: 'k.closed_at', kind: 'instant' },
    dimensions: { page: 'p.name', ...TIME_DIMS('k.closed_at', 'instant'), reviewer: 'u.name' },
  },
  // CSAT surveys that reached the customer (issue 19), with the answer when there is one, dated
  // when asked; who handled the session (sender: bot, or human_agent when a human replied in it)
  // and its first human agent were recorded with the survey
  csat_surveys: {
    name: 'csat_surveys',
    grain: 'CSAT surveys',
    from: 'analytics.csat_surveys v',
    joins: { page: 'JOIN analytics.pages p ON p.id = v.page_id' },
    time: { expr: 'v.asked_at', kind: 'instant' },
    dimensions: { page: 'p.name', ...TIME_DIMS('v.asked_at', 'instant'), agent: 'v.agent', sender: 'v.handled_by' },
  },
  handoffs_now: {
    name: 'handoffs_now',
    grain: 'handed-off conversations',
    // the conversation's handoff state as it stands; the agent is the person it is assigned to
    from: 'analytics.handoffs h JOIN analytics.pages p ON p.id = h.page_id LEFT JOIN analytics.users u ON u.id = h.assigned_to_id',
    current: true,
    dimensions: { page: 'p.name', agent: 'u.name' },
  },
  // the desk's cases (issue 19), dated when the case was closed; the agent is the person who had
  // it when it closed, else the one who closed it
  handoff_cases: {
    name: 'handoff_cases',
    grain: 'closed handoff cases',
    from: 'analytics.handoff_cases hc',
    joins: {
      page: 'JOIN analytics.pages p ON p.id = hc.page_id',
      agent: 'LEFT JOIN analytics.users hu ON hu.id = coalesce(hc.assigned_to_id, hc.resolved_by_id)',
    },
    time: { expr: 'hc.resolved_at', kind: 'instant' },
    where: 'hc.resolved_at IS NOT NULL',
    dimensions: { page: 'p.name', ...TIME_DIMS('hc.resolved_at', 'instant'), agent: 'hu.name' },
  },
  templates: {
    name: 'templates',
    grain: 'message templates',
    // totals kept on each template since it was created: no date per use, so no period
    from: 'analytics.message_templates t LEFT JOIN analytics.pages p ON p.id = t.page_id',
    current: true,
    // a template answers one kind of customer message: its message type is a topic label; a
    // template without a page is shared by all pages
    dimensions: { page: `coalesce(p.name, 'shared (no page)')`, topic: 't.message_type' },
  },
};

const SPREAD: readonly Statistic[] = ['mean', 'median', 'p90', 'min', 'max'];
const COUNTED: readonly Statistic[] = ['count', 'share', 'perDay'];
/** how things stand now: counted once, over no days */
const COUNTED_NOW: readonly Statistic[] = ['count', 'share'];
const score = (name: string, label: string, definition: string, unit: Unit = 'score', higherIsBetter = true): Measure => ({
  name, label, definition, unit, source: 'conversation_days', value: `d.${name === 'csi' ? 'csi' : snake(name)}`,
  statistics: SPREAD, defaultStatistic: 'mean', higherIsBetter,
});
const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** First reply of a kind in a session (kept by src/db/reply-facts.ts), in seconds from the session's first message. */
const firstReply = (kind?: 'human' | 'bot') => `extract(epoch FROM s.first${kind ? `_${kind}` : ''}_reply_at - s.started_at)`;

export const MEASURES: readonly Measure[] = [
  score('csi', 'CSI', 'Customer Satisfaction Index of a conversation-day, 0–100 (four pillars weighted)', 'csi'),
  score('effectiveness', 'effectiveness', 'pillar: 0.6 × resolution + 0.4 × first-contact resolution, 0–10'),
  score('effort', 'effort', 'pillar: (7 − customer effort score) / 6 × 10, 0–10 (higher = less effort)'),
  score('efficiency', 'efficiency', 'pillar: mean of the response and handling time scores, 0–10'),
  score('empathy', 'empathy', 'pillar: 0.7 × sentiment + 0.3 × (sentiment shift + 5), 0–10'),
  score('sentimentScore', 'sentiment', 'customer sentiment that day, 0 very negative – 10 very positive'),
  score('sentimentShift', 'sentiment shift', 'sentiment at the end of the day minus at the start, −5 to +5', 'shift'),
  score('resolutionAchieved', 'resolution', 'how resolved the customer\'s issue is by the end of the day, 0–10'),
  score('fcrScore', 'first-contact resolution', 'resolved on first contact without the customer coming back, 0–10'),
  score('ces', 'customer effort score', 'customer effort score, 1–7, lower is better', 'ces', false),
  score('firstResponseTime', 'first response time (CSI metric)', 'first customer message of the day → first reply (bot or human), per conversation-day', 'seconds', false),
  score('avgResponseTime', 'average response time (CSI metric)', 'mean gap customer message → next reply, per conversation-day', 'seconds', false),
  { ...score('totalHandlingTime', 'handling time', 'agent and bot active time in a conversation-day, each reply gap capped at 10 min', 'minutes', false), statistics: [...SPREAD, 'sum'] },
  { name: 'conversationDays', label: 'conversation-days', definition: 'conversations scored on a day (one per conversation and day)', unit: 'count', source: 'conversation_days', value: '1', statistics: COUNTED, defaultStatistic: 'count', higherIsBetter: true },
  { name: 'responseTime', label: 'response time', definition: 'customer message → the next reply (bot or human) in its conversation, per answered customer message', unit: 'seconds', source: 'replies', value: 'extract(epoch FROM r.replied_at - r.asked_at)', statistics: SPREAD, defaultStatistic: 'mean', higherIsBetter: false },
  { name: 'humanResponseTime', label: 'human response time', definition: 'customer message → the next reply when a human agent wrote it', unit: 'seconds', source: 'replies', value: 'extract(epoch FROM r.replied_at - r.asked_at)', where: `r.reply_kind = 'human_agent'`, statistics: SPREAD, defaultStatistic: 'mean', higherIsBetter: false },
  { name: 'firstResponse', label: 'first response time', definition: 'a session\'s first message → its first reply (bot or human)', unit: 'seconds', source: 'sessions', value: firstReply(), statistics: SPREAD, defaultStatistic: 'mean', higherIsBetter: false },
  { name: 'humanFirstResponse', label: 'human first response time', definition: 'a session\'s first message → its first reply by a human agent (sessions a human answered)', unit: 'seconds', source: 'sessions', value: firstReply('human'), statistics: SPREAD, defaultStatistic: 'mean', higherIsBetter: false },
  { name: 'botFirstResponse', label: 'bot first response time', definition: 'a session\'s first message → its first bot reply (sessions the bot answered)', unit: 'seconds', source: 'sessions', value: firstReply('bot'), statistics: SPREAD, defaultStatistic: 'mean', higherIsBetter: false },
  { name: 'resolutionTime', label: 'resolution time', definition: 'a completed session\'s first message → its last message', unit: 'seconds', source: 'sessions', value: 'extract(epoch FROM s.ended_at - s.started_at)', where: `s.completion_status = 'complete'`, statistics: SPREAD, defaultStatistic: 'mean', higherIsBetter: false },
  { name: 'messages', label: 'messages', definition: 'messages stored (customer, bot and human)', unit: 'count', source: 'messages', value: '1', statistics: COUNTED, defaultStatistic: 'count', higherIsBetter: true },
  { name: 'customerMessages', label: 'customer messages', definition: 'messages customers wrote', unit: 'count', source: 'messages', value: '1', where: 'm.from_customer', statistics: COUNTED, defaultStatistic: 'count', higherIsBetter: true },
  { name: 'conversations', label: 'conversations', definition: 'conversations with at least one message in the period', unit: 'count', source: 'messages', value: 'm.conversation_id', distinct: true, statistics: ['count', 'perDay'], defaultStatistic: 'count', higherIsBetter: true },
  // by agent: the human agent who first replied in the handed-off session (who took it); the rate stays without agents
  { name: 'handoffs', label: 'handoffs', definition: 'sessions handed to a human, by session start (by agent: the human agent who first replied in it)', unit: 'count', source: 'sessions', value: '1', where: 's.human_handoff', statistics: COUNTED, defaultStatistic: 'count', higherIsBetter: false },
  { name: 'sessions', label: 'sessions', definition: 'conversation episodes (a new one after 12 h of silence), by start time', unit: 'count', source: 'sessions', value: '1', statistics: COUNTED, defaultStatistic: 'count', higherIsBetter: true },
  { name: 'handoffRate', label: 'handoff rate', definition: 'share of sessions handed to a human', unit: 'share', source: 'sessions', value: `CASE WHEN s.human_handoff THEN 1.0 ELSE 0.0 END`, statistics: ['rate'], defaultStatistic: 'rate', higherIsBetter: false, without: ['agent'] },
  { name: 'containment', label: 'bot containment', definition: 'share of sessions the bot engaged in that ended without a human handoff', unit: 'share', source: 'sessions', value: `CASE WHEN s.human_handoff THEN 0.0 ELSE 1.0 END`, where: 's.ai_engaged', statistics: ['rate'], defaultStatistic: 'rate', higherIsBetter: true, without: ['agent'] },
  { name: 'qaSessions', label: 'QA sessions', definition: 'sessions with AI involvement, by their QA state now, counted by start time', unit: 'count', source: 'sessions', value: '1', where: 's.ai_engaged', statistics: COUNTED, defaultStatistic: 'count', higherIsBetter: true },
  // the review as an act: "sessions reviewed last week" means reviewed then, whenever they started
  {
    name: 'reviewedSessions', label: 'sessions given a QA state',
    definition: 'distinct AI sessions given a QA state (passed, issue or fixed) in the period, by when it was given; a session given two in the period counts once (by state or reviewer: once under each)',
    unit: 'count', source: 'qa_events', value: 'e.session_id', distinct: true, where: `e.to_status <> 'unchecked'`, statistics: ['count', 'perDay'], defaultStatistic: 'count', higherIsBetter: true,
  },
  // how much of the AI's work QA has looked at: a rate of the sessions, so no reviewer or state breaks it down
  {
    name: 'reviewCoverage', label: 'QA review coverage',
    definition: 'share of AI sessions, by start time, that have been reviewed (their QA state now passed, issue or fixed)',
    unit: 'share', source: 'sessions', value: `CASE WHEN s.qa_status <> 'unchecked' THEN 1.0 ELSE 0.0 END`, where: 's.ai_engaged',
    statistics: ['rate'], defaultStatistic: 'rate', higherIsBetter: true, without: ['reviewer', 'qa_state'],
  },
  { name: 'issueRate', label: 'QA issue rate', definition: 'share of reviewed AI sessions that are now issue or fixed', unit: 'share', source: 'sessions', value: `CASE WHEN s.qa_status IN ('issue', 'fixed') THEN 1.0 ELSE 0.0 END`, where: `s.ai_engaged AND s.qa_status <> 'unchecked'`, statistics: ['rate'], defaultStatistic: 'rate', higherIsBetter: false },
  {
    name: 'qaScore', label: 'QA score',
    definition: 'a scorecard review\'s QA score, 0–100: the weighted mean of its category scores (points / scale × 100), N/A categories left out, 0 when an autofail category failed; by when the review was first saved',
    unit: 'csi', source: 'qa_reviews', value: 'r.score', statistics: SPREAD, defaultStatistic: 'mean', higherIsBetter: true,
  },
  {
    name: 'qaCategoryScore', label: 'QA category score',
    definition: 'a scorecard answer\'s score, 0–100 (points / the category\'s scale × 100), N/A answers not counted; by when the review was first saved',
    unit: 'csi', source: 'qa_answers', value: 'a.score', statistics: SPREAD, defaultStatistic: 'mean', higherIsBetter: true,
  },
  {
    name: 'reviewerAlignment', label: 'reviewer alignment',
    definition: 'how close a reviewer\'s calibration sheet was to the consensus, 0–100: 100 minus the mean distance between their category scores and the mean of all reviewers\' in that calibration; by when the calibration closed',
    unit: 'csi', source: 'calibration_sheets', value: 'k.alignment', statistics: SPREAD, defaultStatistic: 'mean', higherIsBetter: true,
  },
  {
    name: 'scorecardReviews', label: 'scorecard reviews', definition: 'scorecard reviews saved (one per reviewed session and reviewer), by when the review was first saved',
    unit: 'count', source: 'qa_reviews', value: '1', statistics: COUNTED, defaultStatistic: 'count', higherIsBetter: true,
  },
  { name: 'reviews', label: 'QA changes', definition: 'QA state changes made (reviews, issues, fixes), by when they were made', unit: 'count', source: 'qa_events', value: '1', statistics: COUNTED, defaultStatistic: 'count', higherIsBetter: true },
  ...handoffMeasures(),
  ...csatMeasures(),
];

export const measureByName = (name: string): Measure | undefined => MEASURES.find((m) => m.name === name);

/** The dimensions a measure can be grouped or filtered by. */
export const dimensionsOf = (m: Measure): Dimension[] =>
  DIMENSIONS.filter((d) => SOURCES[m.source].dimensions[d] !== undefined && !m.without?.includes(d));

export const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;

/**
 * When a handed-off session was handed over: the customer's first request for a human in it or
 * the handoff the service recorded in it (analytics.handoffs), whichever came first. Sessions a
 * human took over without either (imported chats, a human who simply replied) have none.
 */
function handedOverAt(): string {
  return `least(
    (SELECT min(q.social_create_time) FROM analytics.messages q WHERE q.conversation_id = s.conversation_id AND q.sender_kind = 'customer'
       AND q.classification = 'human_request' AND q.social_create_time BETWEEN s.started_at AND s.ended_at),
    (SELECT h.handed_off_at FROM analytics.handoffs h WHERE h.conversation_id = s.conversation_id AND h.handed_off_at BETWEEN s.started_at AND s.ended_at))`;
}

/** The handoff queue now and the wait for a human (a function: declared here, spread into MEASURES above). */
function handoffMeasures(): Measure[] {
  return [
    {
      name: 'handoffWait', label: 'human wait after handoff',
      definition: 'a session\'s handoff (the customer\'s first request for a human, or the recorded handoff, whichever came first) → the first human agent reply after it; handed-off sessions with neither are not counted',
      unit: 'seconds', source: 'sessions',
      value: `(SELECT extract(epoch FROM min(r.social_create_time) - ho.at) FROM (SELECT ${handedOverAt()} AS at) ho
         JOIN analytics.messages r ON r.conversation_id = s.conversation_id AND r.sender_kind = 'human_agent'
          AND r.social_create_time >= ho.at AND r.social_create_time <= s.ended_at GROUP BY ho.at)`,
      where: 's.human_handoff', statistics: SPREAD, defaultStatistic: 'mean', higherIsBetter: false,
    },
    {
      name: 'handoffsWaiting', label: 'handoffs waiting', definition: 'conversations handed to a human that nobody has taken yet, as they stand now',
      unit: 'count', source: 'handoffs_now', value: '1', where: `h.state = 'waiting'`, statistics: COUNTED_NOW, defaultStatistic: 'count', higherIsBetter: false,
      // nobody is assigned to a waiting conversation
      without: ['agent'],
    },
    {
      name: 'handoffsAssigned', label: 'handoffs assigned', definition: 'handed-off conversations a human agent has taken and still holds, as they stand now',
      unit: 'count', source: 'handoffs_now', value: '1', where: `h.state = 'human'`, statistics: COUNTED_NOW, defaultStatistic: 'count', higherIsBetter: true,
    },
    {
      name: 'handoffResolveTime', label: 'time to resolve a handoff',
      definition: 'a handoff case\'s handoff → its close on the desk (Resolve, or Resume bot), by when it was closed; by agent: the person who had it, else who closed it',
      unit: 'seconds', source: 'handoff_cases', value: 'extract(epoch FROM hc.resolved_at - hc.opened_at)', statistics: SPREAD, defaultStatistic: 'mean', higherIsBetter: false,
    },
    {
      name: 'handoffsClosed', label: 'handoff cases closed',
      definition: 'handoff cases closed on the desk (Resolve, or Resume bot), by when they were closed; by agent: the person who had it, else who closed it',
      unit: 'count', source: 'handoff_cases', value: '1', statistics: COUNTED, defaultStatistic: 'count', higherIsBetter: true,
    },
    {
      name: 'templateUses', label: 'template uses',
      definition: 'bot replies sent from a message template, as each template has counted them since it was created (no date is recorded per use, nor which bot replies the LLM wrote, so no period and no share of LLM replies)',
      unit: 'count', source: 'templates', value: 't.usage_count', statistics: ['sum'], defaultStatistic: 'sum', higherIsBetter: true,
    },
    {
      name: 'templateSuccess', label: 'template success rate',
      definition: 'share of template sends Meta accepted (success count over use count of the templates, since each was created; the data records no other success)',
      unit: 'share', source: 'templates', value: 't.success_count', denominator: 't.usage_count', statistics: ['rate'], defaultStatistic: 'rate', higherIsBetter: true,
    },
  ];
}

/**
 * CSAT, what customers said when asked after a resolved session (src/domain/csat.ts): the score
 * is the mean of the 1–5 answers, the satisfied share the answers of 4 or 5, the response rate
 * answered surveys over surveys that reached the customer. All dated when the survey was asked.
 */
function csatMeasures(): Measure[] {
  return [
    {
      name: 'csatScore', label: 'CSAT score',
      definition: 'the customer\'s own rating of a resolved Messenger session, 1 (poor) to 5 (excellent), from the survey sent after it; mean of the answers, by when the survey was asked',
      unit: 'csat', source: 'csat_surveys', value: 'v.score', where: 'v.score IS NOT NULL', statistics: SPREAD, defaultStatistic: 'mean', higherIsBetter: true,
    },
    {
      name: 'csatSatisfied', label: 'CSAT satisfied share',
      definition: 'share of CSAT answers that are 4 or 5 (satisfied customers), by when the survey was asked',
      unit: 'share', source: 'csat_surveys', value: 'CASE WHEN v.score >= 4 THEN 1.0 ELSE 0.0 END', where: 'v.score IS NOT NULL', statistics: ['rate'], defaultStatistic: 'rate', higherIsBetter: true,
    },
    {
      name: 'csatResponseRate', label: 'CSAT response rate',
      definition: 'share of CSAT surveys that reached the customer and were answered with a score, by when the survey was asked',
      unit: 'share', source: 'csat_surveys', value: 'CASE WHEN v.score IS NOT NULL THEN 1.0 ELSE 0.0 END', statistics: ['rate'], defaultStatistic: 'rate', higherIsBetter: true,
    },
    {
      name: 'csatSurveys', label: 'CSAT surveys sent',
      definition: 'CSAT surveys that reached the customer (Meta accepted them), answered or not, by when the survey was asked',
      unit: 'count', source: 'csat_surveys', value: '1', statistics: COUNTED, defaultStatistic: 'count', higherIsBetter: true,
    },
    {
      name: 'csatResponses', label: 'CSAT responses',
      definition: 'CSAT surveys answered with a score, by when the survey was asked',
      unit: 'count', source: 'csat_surveys', value: '1', where: 'v.score IS NOT NULL', statistics: COUNTED, defaultStatistic: 'count', higherIsBetter: true,
    },
  ];
}
