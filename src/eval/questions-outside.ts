// The questions of the evaluation set found by asking the product from the outside (z01–z41),
// in a file of their own so that questions.ts stays short; evalQuestions puts them last.
import { OAK, STRIDE, VOLTIX, type Kit, type Row } from './question-kit.ts';

/**
 * Phrasings found by asking the product from the outside (7 December): abbreviations and typos,
 * "excl" and "w/o", bot or human on CSAT, "worst N", shares of one group, follow-ups whose measure
 * is only implied, and words that qualify what is counted but that no slot reads.
 */
export function outside({ lastWeek, lastMonth, october, yesterday, last3Months, value, winner, rows, near, refuse }: Kit): Row[] {
  return [
    ['z01', 'filter', 'CSI excl Voltix last month', value('csi', 'mean', lastMonth, { page: [STRIDE, OAK] })],
    ['z02', 'filter', 'avg sentiment for Voltix excl weekends last month', value('sentimentScore', 'mean', lastMonth, { page: [VOLTIX], weekday: [1, 2, 3, 4, 5] })],
    ['z03', 'filter', 'handoffs w/o Stride Shoes last week', value('handoffs', 'count', lastWeek, { page: [VOLTIX, OAK] })],
    ['z04', 'filter', 'CSAT for human agents last month', value('csatScore', 'mean', lastMonth, { sender: ['human_agent'] })],
    ['z05', 'ranking', 'worst 2 pages by CSI last month', rows('csi', 'mean', 'page', lastMonth, { order: 'asc', limit: 2 })],
    ['z06', 'measure', 'how many msgs yesterday', value('messages', 'count', yesterday)],
    ['z07', 'measure', 'avg FRT last week', value('firstResponse', 'mean', lastWeek)],
    ['z08', 'measure', 'how many handofs yesterday', value('handoffs', 'count', yesterday)],
    ['z09', 'statistic', 'share of messages sent by the bot last week', rows('messages', 'share', 'sender', lastWeek, { only: 'bot' })],
    ['z10', 'measure', 'what share of CSAT answers were 4 or 5 last month', value('csatSatisfied', 'rate', lastMonth)],
    ['z11', 'measure', 'what percentage of sessions had a QA issue in October', value('issueRate', 'rate', october)],
    ['z12', 'breakdown', 'avg QA score per category last month', rows('qaCategoryScore', 'mean', 'qa_category', lastMonth)],
    ['z13', 'ranking', 'worst day of the week for CSAT in the last 3 months', winner('csatScore', 'mean', 'weekday', 'asc', last3Months)],
    ['z14', 'breakdown', 'bot response time vs human response time last week', rows('responseTime', 'mean', 'sender', lastWeek)],
    ['z15', 'follow-up', "who's the slowest", winner('humanResponseTime', 'mean', 'agent', 'desc', lastMonth), ['avg human response time by agent last month']],
    ['z16', 'follow-up', 'and the rate?', value('handoffRate', 'rate', lastWeek), ['how many handoffs last week']],
    ['z17', 'refusal-unsupported', 'average response time for urgent tickets last week', refuse(/don't know the word/, near('responseTime', 'mean', lastWeek))],
    ['z18', 'refusal-unsupported', 'response time in the mornings last week', refuse(/part of the day/, near('responseTime', 'mean', lastWeek))],
    ['z19', 'refusal-unsupported', 'how many conversations in spanish last week', refuse(/don't know the word/, near('conversations', 'count', lastWeek))],
    // the chat around a question, everyday words, threads (third and fourth rounds)
    ['z20', 'filter', 'morning! what was the CSI for Voltix last week, ta', value('csi', 'mean', lastWeek, { page: [VOLTIX] })],
    ['z21', 'measure', 'thanks in advance, how many messages did customers send us yesterday', value('customerMessages', 'count', yesterday)],
    ['z22', 'measure', 'how satisfied were customers last month', value('csatScore', 'mean', lastMonth)],
    ['z23', 'period', 'CSI last wk', value('csi', 'mean', lastWeek)],
    ['z24', 'follow-up', 'how many of them were handed off', value('handoffs', 'count', lastWeek), ['how many sessions last week']],
    ['z25', 'statistic', 'what share of messages were about shipping last month', rows('customerMessages', 'share', 'topic', lastMonth, { only: 'shipping' })],
    ['z26', 'refusal-unsupported', 'average handling time for P1 cases last week', refuse(/don't know the word/, near('totalHandlingTime', 'mean', lastWeek))],
    ['z28', 'measure', 'how many sessions were reviewed last week', value('reviewedSessions', 'count', lastWeek, { qa_state: ['passed', 'issue'] })],
    ['z29', 'filter', 'how many sessions did Hannah pass last month', value('reviewedSessions', 'count', lastMonth, { reviewer: ['Hannah Becker'], qa_state: ['passed'] })],
    ['z30', 'breakdown', 'sessions flagged as issue last month by reviewer', rows('reviewedSessions', 'count', 'reviewer', lastMonth, { where: { qa_state: ['issue'] } })],
    ['z31', 'statistic', 'average sessions per day last week', value('sessions', 'perDay', lastWeek, undefined, [/daily average/i])],
    ['z32', 'statistic', 'how many conversations did we get a day on average on Mondays in October', value('conversations', 'perDay', october, { weekday: [1] }, [/daily average/i])],
    ['z33', 'statistic', "what share of stride's customer messages were about shipping last month", rows('customerMessages', 'share', 'topic', lastMonth, { where: { page: [STRIDE] }, only: 'shipping' })],
    ['z34', 'statistic', 'what % of oakhaven\'s sessions went to a human last week', value('handoffRate', 'rate', lastWeek, { page: [OAK] })],
    ['z35', 'measure', 'how many csat surveys were sent last month', value('csatSurveys', 'count', lastMonth)],
    ['z36', 'ranking', 'highest number of messages in a single day last month', winner('messages', 'count', 'day', 'desc', lastMonth)],
    ['z37', 'measure', 'how many handoff cases were closed last month', value('handoffsClosed', 'count', lastMonth)],
    ['z38', 'measure', 'what % of sessions were reviewed last month', value('reviewCoverage', 'rate', lastMonth, undefined, [/coverage/i])],
    ['z39', 'breakdown', 'QA review coverage by page in October', rows('reviewCoverage', 'rate', 'page', october)],
    ['z40', 'measure', 'how many scorecard reviews were saved last month', value('scorecardReviews', 'count', lastMonth, undefined, [/scorecard/i])],
    ['z41', 'breakdown', 'scorecard reviews by reviewer in October', rows('scorecardReviews', 'count', 'reviewer', october)],
    ['z27', 'follow-up', 'who was fastest overall', winner('humanResponseTime', 'mean', 'agent', 'asc', lastWeek), ['avg human response time for Emma Novak last week', 'and James Carter?']],
  ];
}
