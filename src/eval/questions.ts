// The evaluation set of the team-lead assistant (issue 16, item 8): everyday questions with their
// expected results as independent SQL over the base tables. Periods are worked out from the
// clock the set is built for (calendar.ts); names of pages, agents, reviewers and topics are the
// demo data's (src/db/seed/catalog.ts), so the set is meant for a database seeded with
// `seedDemoData` at that clock. At TEST_NOW (Wed 25 Nov 2026, 14:30 UTC) in Europe/Berlin,
// "last week" is Mon 16 – Sun 22 Nov, "last month" October, "yesterday" Tue 24 Nov.
// The builders and shared names are in question-kit.ts, the z-series in questions-outside.ts.
import { addDays } from './calendar.ts';
import { DONT_HAVE, OAK, STRIDE, UNREADABLE, UNSUPPORTED, VOLTIX, kit, type Kit, type Row } from './question-kit.ts';
import { outside } from './questions-outside.ts';
import type { EvalQuestion } from './types.ts';

export * from './types.ts';
export { MEASURE_WORDS } from './question-kit.ts';

/** The clock the set is written for: the suite's TEST_NOW (tests/helpers/clock.ts). */
export const EVAL_NOW = '2026-11-25T14:30:00Z';
export const EVAL_TIMEZONE = 'Europe/Berlin';

/** Every measure, and the statistics. */
function figures({ lastWeek, lastMonth, last3Months, october, yesterday, value, rows }: Kit): Row[] {
  return [
    // ---- every measure, with its default statistic
    ['m01', 'measure', 'What was our CSI last week?', value('csi', 'mean', lastWeek, undefined, [/CSI/])],
    ['m02', 'measure', 'How did we do on empathy last week?', value('empathy', 'mean', lastWeek, undefined, [/empathy/i])],
    ['m03', 'measure', 'How was the effort pillar last week?', value('effort', 'mean', lastWeek, undefined, [/effort/i])],
    ['m04', 'measure', 'Show me efficiency for last week', value('efficiency', 'mean', lastWeek, undefined, [/efficiency/i])],
    ['m05', 'measure', 'What was effectiveness like last week?', value('effectiveness', 'mean', lastWeek, undefined, [/effectiveness/i])],
    ['m06', 'measure', 'What was customer sentiment last week?', value('sentimentScore', 'mean', lastWeek, undefined, [/sentiment/i])],
    ['m07', 'measure', 'How much did sentiment shift during conversations last week?', value('sentimentShift', 'mean', lastWeek, undefined, [/shift/i])],
    ['m08', 'measure', 'What was the resolution score last week?', value('resolutionAchieved', 'mean', lastWeek, undefined, [/resolution/i])],
    ['m09', 'measure', 'What was our first-contact resolution last week?', value('fcrScore', 'mean', lastWeek, undefined, [/first.contact/i])],
    ['m10', 'measure', 'What was the customer effort score (CES) last week?', value('ces', 'mean', lastWeek, undefined, [/effort score/i])],
    ['m11', 'measure', 'What was the average first response time per conversation-day last week?', value('firstResponseTime', 'mean', lastWeek)],
    ['m12', 'measure', 'What was the average response time per conversation-day last week?', value('avgResponseTime', 'mean', lastWeek)],
    ['m13', 'measure', 'How much handling time did a conversation take on average last week?', value('totalHandlingTime', 'mean', lastWeek, undefined, [/handling/i])],
    ['m14', 'measure', 'How many conversation-days were scored last week?', value('conversationDays', 'count', lastWeek)],
    ['m15', 'measure', 'What was our average response time last week?', value('responseTime', 'mean', lastWeek, undefined, [/response time/i])],
    ['m16', 'measure', 'How quickly did our human agents respond to customer messages last week, on average?', value('humanResponseTime', 'mean', lastWeek, undefined, [/human/i])],
    ['m17', 'measure', 'What was the average first response time last week?', value('firstResponse', 'mean', lastWeek, undefined, [/first response/i])],
    ['m18', 'measure', 'How long did customers wait for the first reply from a human last week?', value('humanFirstResponse', 'mean', lastWeek, undefined, [/human/i])],
    ['m19', 'measure', 'How quickly did the bot send its first reply last week?', value('botFirstResponse', 'mean', lastWeek, undefined, [/bot/i])],
    ['m20', 'measure', 'What was the average resolution time last week?', value('resolutionTime', 'mean', lastWeek, undefined, [/resolution time/i])],
    ['m21', 'measure', 'How many messages were sent in total last week, counting customers, the bot and agents?', value('messages', 'count', lastWeek)],
    ['m22', 'measure', 'How many messages did customers send us last week?', value('customerMessages', 'count', lastWeek, undefined, [/customer/i])],
    ['m23', 'measure', 'How many sessions did we have last week?', value('sessions', 'count', lastWeek, undefined, [/session/i])],
    ['m24', 'measure', 'What was the handoff rate last week?', value('handoffRate', 'rate', lastWeek, undefined, [/handoff/i])],
    ['m25', 'measure', 'What was the bot containment rate last week?', value('containment', 'rate', lastWeek, undefined, [/containment/i])],
    ['m26', 'measure', 'How many QA sessions did we have last week?', value('qaSessions', 'count', lastWeek, undefined, [/QA/])],
    ['m27', 'measure', 'What was the QA issue rate last month?', value('issueRate', 'rate', lastMonth, undefined, [/issue/i])],
    ['m28', 'measure', 'How many QA reviews were done last month?', value('reviews', 'count', lastMonth)],
    ['m29', 'measure', "What's the average handling time in October?", value('totalHandlingTime', 'mean', october, undefined, [/handling/i])],
    ['m30', 'measure', 'How many conversations did we score yesterday?', value('conversationDays', 'count', yesterday)],
    ['m31', 'measure', 'How many conversations did we have last week?', value('conversations', 'count', lastWeek)],
    ['m32', 'measure', 'How many sessions were handed over to a human last week?', value('handoffs', 'count', lastWeek)],
    ['m33', 'measure', 'How long did customers wait for a human after the handoff last month?', value('handoffWait', 'mean', lastMonth)],
    ['m34', 'measure', 'How many handoffs are waiting right now?', value('handoffsWaiting', 'count', lastWeek, undefined, [/now/])],
    ['m35', 'measure', 'How many handoffs are assigned at the moment?', value('handoffsAssigned', 'count', lastWeek, undefined, [/now|moment/])],
    ['m36', 'measure', 'How many times were message templates used?', value('templateUses', 'sum', lastWeek)],
    ['m37', 'measure', 'What is the template success rate?', value('templateSuccess', 'rate', lastWeek)],
    ['m38', 'measure', 'What was the average QA score last month?', value('qaScore', 'mean', lastMonth)],
    ['m39', 'measure', 'What was the QA category score last month?', value('qaCategoryScore', 'mean', lastMonth)],
    ['m40', 'measure', 'What was the average reviewer alignment over the last 3 months?', value('reviewerAlignment', 'mean', last3Months)],
    // CSAT (issue 19): the survey answers, never the CSI
    ['m41', 'measure', 'What was the CSAT score last week?', value('csatScore', 'mean', lastWeek)],
    ['m42', 'measure', 'What was the CSAT response rate last month?', value('csatResponseRate', 'rate', lastMonth)],
    ['m43', 'measure', 'What was the share of satisfied customers last month?', value('csatSatisfied', 'rate', lastMonth)],
    ['m44', 'measure', 'How many CSAT responses did we get last month?', value('csatResponses', 'count', lastMonth)],
    ['m45', 'measure', 'What was the average time to resolve a handoff last month?', value('handoffResolveTime', 'mean', lastMonth, undefined, [/resolve/i])],

    // ---- statistics
    ['s01', 'statistic', 'What was the median CSI last week?', value('csi', 'median', lastWeek, undefined, [/median/i])],
    ['s02', 'statistic', 'What was the 90th percentile of response time last week?', value('responseTime', 'p90', lastWeek, undefined, [/90/])],
    ['s03', 'statistic', 'What was the lowest CSI last week?', value('csi', 'min', lastWeek, undefined, [/min|lowest/i])],
    ['s04', 'statistic', 'What was the highest CSI last week?', value('csi', 'max', lastWeek, undefined, [/max|highest/i])],
    ['s05', 'statistic', 'What was the median first response time last month?', value('firstResponse', 'median', lastMonth, undefined, [/median/i])],
    ['s06', 'statistic', 'What was the total handling time last week?', value('totalHandlingTime', 'sum', lastWeek, undefined, [/total/i])],
    ['s07', 'statistic', "What's the p90 resolution time for October?", value('resolutionTime', 'p90', october, undefined, [/90/])],
    ['s08', 'statistic', 'What was the longest wait for a human reply to a customer message last week?', value('humanResponseTime', 'max', lastWeek, undefined, [/max|longest/i])],
    ['s09', 'statistic', 'What was the shortest resolution time last month?', value('resolutionTime', 'min', lastMonth, undefined, [/min|shortest/i])],
    ['s10', 'statistic', 'What was the median empathy score last month?', value('empathy', 'median', lastMonth, undefined, [/median/i])],
    ['s11', 'statistic', 'What was the mean of the effort pillar last month?', value('effort', 'mean', lastMonth, undefined, [/average|mean/i])],
    ['s12', 'statistic', 'What share of customer messages were complaints last week?', rows('customerMessages', 'share', 'topic', lastWeek, { only: 'complaint' })],
    ['s13', 'statistic', 'What was the median bot first response time last month?', value('botFirstResponse', 'median', lastMonth, undefined, [/median/i])],
    ['s14', 'statistic', 'What was the 90th percentile of the first human response last month?', value('humanFirstResponse', 'p90', lastMonth, undefined, [/90/])],
    ['s15', 'statistic', 'What was the average CSI in October?', value('csi', 'mean', october, undefined, [/average|mean/i])],
    ['s16', 'statistic', "What's the median handling time last month?", value('totalHandlingTime', 'median', lastMonth, undefined, [/median/i])],
    ['s17', 'statistic', 'What was the median human wait after handoff last month?', value('handoffWait', 'median', lastMonth, undefined, [/median/i])],
  ];
}

/** Breakdowns and rankings. */
function shapes({ cal, lastWeek, lastMonth, thisMonth, october, september, last3Months, winner, rows }: Kit): Row[] {
  return [
    // ---- breakdowns
    ['b01', 'breakdown', 'Show me CSI by page for last week', rows('csi', 'mean', 'page', lastWeek)],
    ['b02', 'breakdown', 'Break down customer messages by topic for last month', rows('customerMessages', 'count', 'topic', lastMonth)],
    ['b03', 'breakdown', 'CSI per day last week', rows('csi', 'mean', 'day', lastWeek)],
    ['b04', 'breakdown', 'How many sessions did we have per week in October?', rows('sessions', 'count', 'week', october)],
    ['b05', 'breakdown', 'Show messages by hour of day for last week', rows('messages', 'count', 'hour', lastWeek)],
    ['b06', 'breakdown', 'Customer messages by weekday last month', rows('customerMessages', 'count', 'weekday', lastMonth)],
    ['b07', 'breakdown', 'QA sessions by QA state for last month', rows('qaSessions', 'count', 'qa_state', lastMonth)],
    ['b30', 'breakdown', 'What was our CSAT last week by page?', rows('csatScore', 'mean', 'page', lastWeek)],
    ['b32', 'breakdown', 'CSAT by sender last month', rows('csatScore', 'mean', 'sender', lastMonth)],
    ['b33', 'breakdown', 'Survey response rate by page last month', rows('csatResponseRate', 'rate', 'page', lastMonth)],
    ['b08', 'breakdown', 'QA changes per reviewer last month', rows('reviews', 'count', 'reviewer', lastMonth)],
    ['b09', 'breakdown', 'Average response time by page last week', rows('responseTime', 'mean', 'page', lastWeek)],
    ['b10', 'breakdown', 'Handoff rate by page last month', rows('handoffRate', 'rate', 'page', lastMonth)],
    ['b11', 'breakdown', 'How many messages did each kind of sender write last week?', rows('messages', 'count', 'sender', lastWeek)],
    ['b12', 'breakdown', 'What share of customer messages did each topic have last month?', rows('customerMessages', 'share', 'topic', lastMonth)],
    ['b13', 'breakdown', 'Show CSI by month since September', rows('csi', 'mean', 'month', cal.since(september.from))],
    ['b14', 'breakdown', 'Empathy by page in October', rows('empathy', 'mean', 'page', october)],
    ['b15', 'breakdown', 'Human first response time by page last month', rows('humanFirstResponse', 'mean', 'page', lastMonth)],
    ['b16', 'breakdown', 'Bot containment per week in October', rows('containment', 'rate', 'week', october)],
    ['b17', 'breakdown', 'QA issue rate by page over the last 3 months', rows('issueRate', 'rate', 'page', last3Months)],
    ['b18', 'breakdown', 'Handoffs assigned right now by page', rows('handoffsAssigned', 'count', 'page', lastWeek)],
    ['b19', 'breakdown', 'Template uses by page', rows('templateUses', 'sum', 'page', lastWeek)],
    ['b20', 'breakdown', 'QA category scores by QA category last month', rows('qaCategoryScore', 'mean', 'qa_category', lastMonth)],
    ['b21', 'breakdown', 'QA score by reviewer over the last 3 months', rows('qaScore', 'mean', 'reviewer', last3Months)],

    // ---- rankings
    ['r01', 'ranking', 'Which page had the best CSI last week?', winner('csi', 'mean', 'page', 'desc', lastWeek)],
    ['r02', 'ranking', 'Which page had the worst CSI last week?', winner('csi', 'mean', 'page', 'asc', lastWeek)],
    ['r03', 'ranking', 'Which agent replied fastest last month?', winner('humanResponseTime', 'mean', 'agent', 'asc', lastMonth)],
    ['r04', 'ranking', 'Which agent was slowest to respond to customers last month?', winner('humanResponseTime', 'mean', 'agent', 'desc', lastMonth)],
    ['r05', 'ranking', 'Which reviewer did the most QA reviews last month?', winner('reviews', 'count', 'reviewer', 'desc', lastMonth)],
    ['r06', 'ranking', 'Which reviewer made the fewest QA changes in October?', winner('reviews', 'count', 'reviewer', 'asc', october)],
    ['r07', 'ranking', 'At what hour of the day did customers write to us most last month?', winner('customerMessages', 'count', 'hour', 'desc', lastMonth)],
    ['r08', 'ranking', 'On which weekday did we get the most customer messages last month?', winner('customerMessages', 'count', 'weekday', 'desc', lastMonth)],
    ['r09', 'ranking', 'Which page had the slowest first response last month?', winner('firstResponse', 'mean', 'page', 'desc', lastMonth)],
    ['r10', 'ranking', 'Top 2 pages by empathy last month', rows('empathy', 'mean', 'page', lastMonth, { order: 'desc', limit: 2 })],
    ['r11', 'ranking', 'What were the top 3 topics last month?', rows('customerMessages', 'count', 'topic', lastMonth, { order: 'desc', limit: 3 })],
    ['r12', 'ranking', 'Which page has the highest handoff rate this month?', winner('handoffRate', 'rate', 'page', 'desc', thisMonth)],
    ['r13', 'ranking', 'Which page had the lowest bot containment last month?', winner('containment', 'rate', 'page', 'asc', lastMonth)],
    ['r14', 'ranking', 'Which agent had the best CSI last month?', winner('csi', 'mean', 'agent', 'desc', lastMonth)],
    ['r15', 'ranking', 'Which day last week had the lowest CSI?', winner('csi', 'mean', 'day', 'asc', lastWeek)],
    ['r16', 'ranking', 'Which page had the most conversation-days last month?', winner('conversationDays', 'count', 'page', 'desc', lastMonth)],
    ['r17', 'ranking', 'Which page took the longest to resolve conversations in October?', winner('resolutionTime', 'mean', 'page', 'desc', october)],
    ['r18', 'ranking', 'During which hour did customers write the least last month?', winner('customerMessages', 'count', 'hour', 'asc', lastMonth)],
    ['r19', 'ranking', 'Which agent sent the most messages last month?', winner('messages', 'count', 'agent', 'desc', lastMonth, { sender: ['human_agent'] })],
    ['r20', 'ranking', 'Bottom 2 pages by effectiveness last month', rows('effectiveness', 'mean', 'page', lastMonth, { order: 'asc', limit: 2 })],
    ['r21', 'ranking', 'Which weekday has had the worst CSI over the last 3 months?', winner('csi', 'mean', 'weekday', 'asc', last3Months)],
    ['r22', 'ranking', 'Which agent holds the most assigned handoffs right now?', winner('handoffsAssigned', 'count', 'agent', 'desc', lastWeek)],
    ['r23', 'ranking', 'Which agent had the best CSAT last month?', winner('csatScore', 'mean', 'agent', 'desc', lastMonth)],
  ];
}

/** Filters and period phrases. */
function scopes({ cal, lastWeek, thisWeek, lastMonth, thisMonth, october, september, yesterday, last7, last3Months, value }: Kit): Row[] {
  return [
    // ---- filters by page, agent, topic, reviewer, weekday
    ['f01', 'filter', 'What was the CSI for Voltix last week?', value('csi', 'mean', lastWeek, { page: [VOLTIX] }, [/Voltix/])],
    ['f02', 'filter', 'Average response time for Stride Shoes last month', value('responseTime', 'mean', lastMonth, { page: [STRIDE] }, [/Stride/])],
    ['f03', 'filter', 'How fast did Maria Lopez respond to customers last month?', value('humanResponseTime', 'mean', lastMonth, { agent: ['Maria Lopez'] }, [/Maria Lopez/])],
    ['f04', 'filter', 'Median first response time for Oakhaven Furniture last month', value('firstResponse', 'median', lastMonth, { page: [OAK] }, [/Oakhaven/, /median/i])],
    ['f05', 'filter', 'How many complaints did customers send last month?', value('customerMessages', 'count', lastMonth, { topic: ['complaint'] }, [/complaint/i])],
    ['f06', 'filter', 'How many shipping questions did we get on Voltix in October?', value('customerMessages', 'count', october, { topic: ['shipping'], page: [VOLTIX] }, [/shipping/i, /Voltix/])],
    ['f07', 'filter', 'What was the CSI of the conversations James Carter worked on last month?', value('csi', 'mean', lastMonth, { agent: ['James Carter'] }, [/James Carter/])],
    ['f08', 'filter', 'How many QA changes did Hannah Becker make last month?', value('reviews', 'count', lastMonth, { reviewer: ['Hannah Becker'] }, [/Hannah Becker/])],
    ['f09', 'filter', 'Handoff rate on Oakhaven Furniture last month', value('handoffRate', 'rate', lastMonth, { page: [OAK] }, [/Oakhaven/])],
    ['f10', 'filter', 'What empathy score did Fatima Zahra get last month?', value('empathy', 'mean', lastMonth, { agent: ['Fatima Zahra'] }, [/Fatima Zahra/])],
    ['f11', 'filter', 'How many price inquiries came in last week?', value('customerMessages', 'count', lastWeek, { topic: ['price_inquiry'] }, [/price/i])],
    ['f12', 'filter', 'Average resolution time for Stride Shoes in October', value('resolutionTime', 'mean', october, { page: [STRIDE] }, [/Stride/])],
    ['f13', 'filter', 'How many QA sessions from last month are still unchecked?', value('qaSessions', 'count', lastMonth, { qa_state: ['unchecked'] }, [/unchecked/i])],
    ['f14', 'filter', 'How many messages did Emma Novak send last month?', value('messages', 'count', lastMonth, { agent: ['Emma Novak'] }, [/Emma Novak/])],
    ['f15', 'filter', 'What was the average CSI on Mondays last month?', value('csi', 'mean', lastMonth, { weekday: [1] }, [/Monday/])],
    ['f16', 'filter', 'Bot containment for Stride Shoes last week', value('containment', 'rate', lastWeek, { page: [STRIDE] }, [/Stride/])],
    ['f17', 'filter', 'How many handoffs are assigned to James Carter right now?', value('handoffsAssigned', 'count', lastWeek, { agent: ['James Carter'] }, [/James Carter/])],

    // ---- period phrases
    ['p01', 'period', 'What was the CSI yesterday?', value('csi', 'mean', yesterday)],
    ['p02', 'period', 'How many customer messages have we had today so far?', value('customerMessages', 'count', cal.day(0))],
    ['p03', 'period', 'What was our CSI on Monday?', value('csi', 'mean', cal.lastWeekday(1))],
    ['p04', 'period', 'How many sessions did we have on Friday?', value('sessions', 'count', cal.lastWeekday(5))],
    ['p05', 'period', 'Average response time since Monday', value('responseTime', 'mean', cal.since(cal.lastWeekday(1).from))],
    ['p06', 'period', 'CSI over the last 7 days', value('csi', 'mean', last7)],
    ['p07', 'period', 'How many messages did we handle in the last 30 days?', value('messages', 'count', cal.lastDays(30))],
    ['p08', 'period', 'What was the CSI for the last 2 weeks?', value('csi', 'mean', cal.lastDays(14))],
    ['p09', 'period', 'Average CSI over the last 3 months', value('csi', 'mean', last3Months)],
    ['p10', 'period', 'What was the CSI in October?', value('csi', 'mean', october)],
    ['p11', 'period', 'How many sessions did we have in September?', value('sessions', 'count', september)],
    ['p12', 'period', 'What was CSI in Q3?', value('csi', 'mean', cal.quarter(3))],
    ['p13', 'period', 'How many customer messages have we had this quarter?', value('customerMessages', 'count', cal.thisQuarter())],
    ['p14', 'period', 'What is our CSI year to date?', value('csi', 'mean', cal.yearToDate())],
    ['p15', 'period', 'What was the CSI on 12 November?', value('csi', 'mean', cal.date(11, 12))],
    ['p16', 'period', 'Handoff rate between 2 November and 8 November', value('handoffRate', 'rate', { from: cal.date(11, 2).from, to: cal.date(11, 8).to })],
    ['p17', 'period', 'CSI from 1 Nov to 15 Nov', value('csi', 'mean', { from: cal.date(11, 1).from, to: cal.date(11, 15).to })],
    ['p18', 'period', 'How many sessions were there on 2026-11-18?', value('sessions', 'count', { from: '2026-11-18', to: '2026-11-18' })],
    ['p19', 'period', 'What was the CSI the day before yesterday?', value('csi', 'mean', cal.day(2))],
    ['p20', 'period', 'How many customer messages this week?', value('customerMessages', 'count', thisWeek)],
    ['p21', 'period', 'CSI last month', value('csi', 'mean', lastMonth)],
    ['p22', 'period', 'How many sessions have we had this month?', value('sessions', 'count', thisMonth)],
    ['p23', 'period', 'Average handling time on Sunday', value('totalHandlingTime', 'mean', cal.lastWeekday(7))],
    ['p24', 'period', 'Average first response time in the past week', value('firstResponse', 'mean', last7)],
    // session 18: parts of a period, whole weeks, a day a month ago, days of a month without its name
    ['p25', 'period', 'How many messages since the start of October?', value('messages', 'count', cal.since(october.from))],
    ['p26', 'period', 'How many sessions did we have in the first week of November?', value('sessions', 'count', cal.monthWeek(2026, 11, 1))],
    ['p27', 'period', 'What was the CSI in the last week of October?', value('csi', 'mean', cal.monthWeek(2026, 10, -1))],
    ['p28', 'period', 'Average response time in the first half of November', value('responseTime', 'mean', { from: cal.date(11, 1).from, to: cal.date(11, 15).to })],
    ['p29', 'period', 'How many customer messages in the last 3 full weeks?', value('customerMessages', 'count', cal.fullWeeks(3))],
    ['p30', 'period', 'How many sessions this time last month?', value('sessions', 'count', cal.date(10, 25))],
    ['p31', 'period', 'How many handoffs between the 3rd and the 9th?', value('handoffs', 'count', { from: cal.date(11, 3).from, to: cal.date(11, 9).to })],
    ['p32', 'period', 'What was the CSI on the last Friday of October?', value('csi', 'mean', cal.date(10, 30))],
    ['p33', 'period', 'How many messages in the first 10 days of November?', value('messages', 'count', { from: cal.date(11, 1).from, to: cal.date(11, 10).to })],
    ['p34', 'period', 'How many sessions in September and October?', value('sessions', 'count', { from: september.from, to: october.to })],
  ];
}

/** Comparisons and follow-ups in a thread. */
function contexts({ cal, lastWeek, weekBefore, thisWeek, lastMonth, monthBefore, thisMonth, october, september, yesterday, last7, value, winner, rows, compare }: Kit): Row[] {
  return [
    // ---- comparisons: with the previous period, the same day last week, a named period, two pages
    ['c01', 'comparison', 'How did CSI last week compare with the week before?', compare('csi', 'mean', lastWeek, weekBefore)],
    ['c02', 'comparison', 'CSI this month vs last month', compare('csi', 'mean', thisMonth, lastMonth)],
    ['c03', 'comparison', 'Average response time yesterday compared with the same day last week', compare('responseTime', 'mean', yesterday, cal.day(8))],
    ['c04', 'comparison', 'Handoff rate in October against September', compare('handoffRate', 'rate', october, september)],
    ['c05', 'comparison', 'Voltix vs Stride Shoes CSI last week', rows('csi', 'mean', 'page', lastWeek, { where: { page: [VOLTIX, STRIDE] } })],
    ['c06', 'comparison', 'Compare empathy for Oakhaven Furniture and Voltix Electronics last month', rows('empathy', 'mean', 'page', lastMonth, { where: { page: [OAK, VOLTIX] } })],
    ['c07', 'comparison', 'How did our median first response time last month compare to the month before?', compare('firstResponse', 'median', lastMonth, monthBefore)],
    ['c08', 'comparison', 'Customer messages last week vs the week before', compare('customerMessages', 'count', lastWeek, weekBefore)],
    ['c09', 'comparison', 'Bot containment last month compared with the month before', compare('containment', 'rate', lastMonth, monthBefore)],
    ['c10', 'comparison', 'CSI for Voltix last week compared with the week before', compare('csi', 'mean', lastWeek, weekBefore, { page: [VOLTIX] })],
    ['c11', 'comparison', 'Resolution time: Stride Shoes vs Oakhaven Furniture in October', rows('resolutionTime', 'mean', 'page', october, { where: { page: [STRIDE, OAK] } })],
    // a count over a week still running is compared over the same days of the week before (docs/ASSISTANT.md)
    ['c12', 'comparison', 'Number of sessions this week compared with last week', compare('sessions', 'count', { from: thisWeek.from, to: cal.today }, { from: lastWeek.from, to: addDays(cal.today, -7) })],
    ['c13', 'comparison', 'Was CSI in the last 7 days better or worse than in the 7 days before?', compare('csi', 'mean', last7, { from: cal.day(13).from, to: cal.day(7).to })],
    ['c14', 'comparison', 'QA issue rate last month vs the month before', compare('issueRate', 'rate', lastMonth, monthBefore)],

    // ---- follow-ups: one slot changed in a thread
    ['u01', 'follow-up', 'and by page?', rows('csi', 'mean', 'page', lastWeek), ['What was the average CSI last week?']],
    ['u02', 'follow-up', 'now for Voltix', value('csi', 'mean', lastWeek, { page: [VOLTIX] }, [/Voltix/]), ['What was the average CSI last week?']],
    ['u03', 'follow-up', 'the week before?', value('csi', 'mean', weekBefore), ['What was the average CSI last week?']],
    ['u04', 'follow-up', 'and the median?', value('responseTime', 'median', lastMonth, undefined, [/median/i]), ['What was the average response time last month?']],
    ['u05', 'follow-up', 'by topic?', rows('customerMessages', 'count', 'topic', lastWeek), ['How many customer messages did we get last week?']],
    ['u06', 'follow-up', 'and the worst?', winner('csi', 'mean', 'page', 'asc', lastWeek), ['Which page had the best CSI last week?']],
    ['u07', 'follow-up', 'for Stride Shoes?', value('handoffRate', 'rate', lastMonth, { page: [STRIDE] }, [/Stride/]), ['What was the handoff rate last month?']],
    ['u08', 'follow-up', 'and effort?', value('effort', 'mean', lastWeek, undefined, [/effort/i]), ['What was empathy last week?']],
    ['u09', 'follow-up', 'only Voltix and Oakhaven', rows('csi', 'mean', 'page', lastMonth, { where: { page: [VOLTIX, OAK] } }), ['Show me CSI by page for last month']],
    ['u10', 'follow-up', 'and the week before?', value('firstResponse', 'mean', weekBefore, { page: [VOLTIX] }, [/Voltix/]), ['What was the average first response time last week?', 'and for Voltix?']],
    ['u11', 'follow-up', 'and in September?', value('sessions', 'count', september), ['How many sessions did we have in October?']],
    ['u12', 'follow-up', 'compared with the week before?', compare('csi', 'mean', lastWeek, weekBefore, { page: [STRIDE] }), ['What was the CSI for Stride Shoes last week?']],
    ['u13', 'follow-up', 'and the slowest?', winner('humanResponseTime', 'mean', 'agent', 'desc', lastMonth), ['Which agent replied fastest last month?']],
    ['u14', 'follow-up', 'by reviewer?', rows('reviews', 'count', 'reviewer', lastMonth), ['How many QA reviews were done last month?']],
    ['u15', 'follow-up', 'and per page?', rows('handoffsAssigned', 'count', 'page', lastWeek), ['How many handoffs are assigned right now?']],
  ];
}

/** What must be refused: data not held, a statistic, breakdown or filter not allowed, an unreadable period. */
function refusals({ cal, lastWeek, thisWeek, lastMonth, thisMonth, october, yesterday, last7, near, refuse }: Kit): Row[] {
  return [
    // ---- data the product does not hold: "I don't have", never a nearby figure
    ['o01', 'refusal-out-of-catalogue', 'How much revenue did we make last week?', refuse(DONT_HAVE, near('sessions', 'count', lastWeek), near('conversationDays', 'count', lastWeek))],
    ['o02', 'refusal-out-of-catalogue', 'How many refunds did we issue last month?', refuse(DONT_HAVE, near('customerMessages', 'count', lastMonth, { topic: ['returns'] }), near('sessions', 'count', lastMonth))],
    ['o03', 'refusal-out-of-catalogue', 'How many orders did Voltix get last week?', refuse(DONT_HAVE, near('sessions', 'count', lastWeek, { page: [VOLTIX] }), near('conversationDays', 'count', lastWeek, { page: [VOLTIX] }))],
    ['o04', 'refusal-out-of-catalogue', "What's our churn rate this quarter?", refuse(DONT_HAVE, near('handoffRate', 'rate', cal.thisQuarter()), near('sessions', 'count', cal.thisQuarter()))],
    ['o05', 'refusal-out-of-catalogue', 'What was our NPS last month?', refuse(DONT_HAVE, near('csi', 'mean', lastMonth))],
    ['o07', 'refusal-out-of-catalogue', 'How much profit did Stride Shoes make in October?', refuse(DONT_HAVE, near('sessions', 'count', october, { page: [STRIDE] }), near('conversationDays', 'count', october, { page: [STRIDE] }))],
    ['o08', 'refusal-out-of-catalogue', 'What was the average order value last month?', refuse(DONT_HAVE, near('sessions', 'count', lastMonth))],
    ['o09', 'refusal-out-of-catalogue', 'How many customers did we lose last month?', refuse(DONT_HAVE, near('sessions', 'count', lastMonth), near('conversationDays', 'count', lastMonth))],
    ['o10', 'refusal-out-of-catalogue', "What's our website conversion rate this month?", refuse(DONT_HAVE, near('handoffRate', 'rate', thisMonth), near('containment', 'rate', thisMonth))],
    ['o11', 'refusal-out-of-catalogue', 'How much did we spend on ads last week?', refuse(DONT_HAVE, near('sessions', 'count', lastWeek))],
    ['o12', 'refusal-out-of-catalogue', 'How many items are out of stock on Voltix last week?', refuse(DONT_HAVE, near('sessions', 'count', lastWeek, { page: [VOLTIX] }), near('customerMessages', 'count', lastWeek, { page: [VOLTIX], topic: ['availability_check'] }))],
    ['o13', 'refusal-out-of-catalogue', 'What were our total sales in Q3?', refuse(DONT_HAVE, near('sessions', 'count', cal.quarter(3)), near('conversationDays', 'count', cal.quarter(3)))],
    ['o14', 'refusal-out-of-catalogue', "What's our customer lifetime value this year?", refuse(DONT_HAVE, near('sessions', 'count', cal.yearToDate()))],
    ['o15', 'refusal-out-of-catalogue', 'How many sick days did the agents take last month?', refuse(DONT_HAVE, near('messages', 'count', lastMonth, { sender: ['human_agent'] }))],
    ['o16', 'refusal-out-of-catalogue', 'What was the average basket size last week?', refuse(DONT_HAVE, near('sessions', 'count', lastWeek))],
    ['o17', 'refusal-out-of-catalogue', 'How many new customers signed up last month?', refuse(DONT_HAVE, near('sessions', 'count', lastMonth), near('conversationDays', 'count', lastMonth))],

    // ---- a statistic, breakdown or filter the measure cannot take: refused, never dropped
    ['x01', 'refusal-unsupported', 'What was the sum of all CSI scores last week?', refuse(UNSUPPORTED, near('csi', 'mean', lastWeek))],
    ['x02', 'refusal-unsupported', "What's the median handoff rate last month?", refuse(UNSUPPORTED, near('handoffRate', 'rate', lastMonth), near('sessions', 'count', lastMonth))],
    ['x03', 'refusal-unsupported', 'Show CSI by QA reviewer for last month', refuse(UNSUPPORTED, near('csi', 'mean', lastMonth))],
    ['x04', 'refusal-unsupported', 'What was the handoff rate for complaints last month?', refuse(UNSUPPORTED, near('handoffRate', 'rate', lastMonth), near('sessions', 'count', lastMonth))],
    ['x05', 'refusal-unsupported', 'What was the 90th percentile of the handoff rate last week?', refuse(UNSUPPORTED, near('handoffRate', 'rate', lastWeek), near('sessions', 'count', lastWeek))],
    ['x06', 'refusal-unsupported', 'Average response time by QA state last month', refuse(UNSUPPORTED, near('responseTime', 'mean', lastMonth))],
    ['x07', 'refusal-unsupported', 'QA changes by topic last month', refuse(UNSUPPORTED, near('reviews', 'count', lastMonth))],
    ['x08', 'refusal-unsupported', 'What was the median number of messages last week?', refuse(UNSUPPORTED, near('messages', 'count', lastWeek))],
    ['x09', 'refusal-unsupported', 'Show CSI by hour of day for last week', refuse(UNSUPPORTED, near('csi', 'mean', lastWeek))],
    ['x10', 'refusal-unsupported', 'What was the handoff rate for Maria Lopez last month?', refuse(UNSUPPORTED, near('handoffRate', 'rate', lastMonth), near('sessions', 'count', lastMonth))],
    ['x11', 'refusal-unsupported', 'What was the maximum bot containment last month?', refuse(UNSUPPORTED, near('containment', 'rate', lastMonth), near('sessions', 'count', lastMonth))],
    ['x12', 'refusal-unsupported', 'How many handoffs were waiting last week?', refuse(UNSUPPORTED, near('handoffs', 'count', lastWeek), near('handoffRate', 'rate', lastWeek))],

    // ---- a period that cannot be read is said so, never replaced by a default
    ['y01', 'unreadable-period', 'What was the CSI on 31 February?', refuse(UNREADABLE, near('csi', 'mean', last7), near('csi', 'mean', thisWeek), near('csi', 'mean', lastWeek), near('csi', 'mean', cal.lastDays(30)))],
    ['y02', 'unreadable-period', 'CSI on 2026-13-45', refuse(UNREADABLE, near('csi', 'mean', last7), near('csi', 'mean', thisWeek), near('csi', 'mean', lastWeek), near('csi', 'mean', cal.lastDays(30)))],
    ['y03', 'unreadable-period', 'Average response time since 30/02/2026', refuse(UNREADABLE, near('responseTime', 'mean', last7), near('responseTime', 'mean', thisWeek), near('responseTime', 'mean', cal.lastDays(30)))],
    ['y04', 'unreadable-period', 'How was empathy on the 32nd of October?', refuse(UNREADABLE, near('empathy', 'mean', last7), near('empathy', 'mean', october), near('empathy', 'mean', cal.lastDays(30)))],
    ['y05', 'unreadable-period', 'How many sessions were there between 40 November and 45 November?', refuse(UNREADABLE, near('sessions', 'count', last7), near('sessions', 'count', thisMonth), near('sessions', 'count', cal.lastDays(30)))],
    ['y06', 'unreadable-period', 'Handoff rate on 29 February 2026', refuse(UNREADABLE, near('handoffRate', 'rate', last7), near('handoffRate', 'rate', thisWeek), near('handoffRate', 'rate', cal.lastDays(30)))],
    // session 18: a period that cannot be read exactly is refused, never the nearest one answered
    ['y07', 'unreadable-period', 'How many messages since early November?', refuse(UNREADABLE, near('messages', 'count', cal.since(cal.date(11, 1).from)), near('messages', 'count', thisMonth), near('messages', 'count', last7))],
    ['y08', 'unreadable-period', 'What was the CSI mid-November?', refuse(UNREADABLE, near('csi', 'mean', thisMonth), near('csi', 'mean', last7), near('csi', 'mean', { from: cal.date(11, 11).from, to: cal.date(11, 20).to }))],
    ['y09', 'unreadable-period', 'How many sessions on 3/11?', refuse(UNREADABLE, near('sessions', 'count', last7), near('sessions', 'count', cal.date(11, 3)), near('sessions', 'count', cal.date(3, 11)))],
    ['y10', 'unreadable-period', 'How many handoffs in October and December?', refuse(UNREADABLE, near('handoffs', 'count', october), near('handoffs', 'count', cal.namedMonth(12)), near('handoffs', 'count', last7))],
    ['y11', 'unreadable-period', 'How many messages until yesterday?', refuse(UNREADABLE, near('messages', 'count', yesterday), near('messages', 'count', last7))],
  ];
}

/** Builds the set for a clock and timezone; the SQL carries the resulting dates as literals. */
export function evalQuestions(now: Date = new Date(EVAL_NOW), tz: string = EVAL_TIMEZONE): EvalQuestion[] {
  const k = kit(now, tz);
  const q = [...figures(k), ...shapes(k), ...scopes(k), ...contexts(k), ...refusals(k), ...outside(k)];
  return q.map(([id, category, question, expect, thread]) => ({ id, category, question, expect, ...(thread ? { thread } : {}) }));
}
