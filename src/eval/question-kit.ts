// What the questions of the evaluation set are built from: the demo data's page names, the
// words a refusal must carry, the periods at the set's clock and the builders of expectations.
// In a file of its own so that questions.ts and questions-outside.ts build with the same kit.
import type { Statistic } from '../domain/semantic/catalogue.ts';
import { calendarAt, type Days } from './calendar.ts';
import { compareSql, figureSql, type EvalDimension, type Filters } from './sql.ts';
import type { Category, Expectation, Figure } from './types.ts';

export const VOLTIX = 'Voltix Electronics';
export const STRIDE = 'Stride Shoes';
export const OAK = 'Oakhaven Furniture';

export const DONT_HAVE = /don'?t have|do not have/i;
export const UNSUPPORTED = /has no|cannot be|can't be|needs a/i;
export const UNREADABLE = /could not read|couldn'?t read/i;

/** The periods of the set and the builders of its expectations, for one clock and timezone. */
export function kit(now: Date, tz: string) {
  const cal = calendarAt(now, tz);
  const lastWeek = cal.week(1);
  const weekBefore = cal.week(2);
  const thisWeek = cal.week(0);
  const lastMonth = cal.month(1);
  const monthBefore = cal.month(2);
  const thisMonth = cal.month(0);
  const october = cal.namedMonth(10);
  const september = cal.namedMonth(9);
  const yesterday = cal.day(1);
  const last7 = cal.lastDays(7);
  const last3Months = cal.lastMonths(3);

  const value = (measure: string, stat: Statistic, period: Days, where?: Filters, says?: RegExp[]): Expectation => ({
    kind: 'value', measure, stat, sql: figureSql({ measure, stat, period, ...(where ? { where } : {}) }, tz), says: named(measure, says),
  });
  const winner = (measure: string, stat: Statistic, by: EvalDimension, order: 'asc' | 'desc', period: Days, where?: Filters): Expectation => ({
    kind: 'winner', measure, stat, sql: figureSql({ measure, stat, period, by, order, ...(where ? { where } : {}) }, tz), says: named(measure),
  });
  const rows = (measure: string, stat: Statistic, by: EvalDimension, period: Days, o: { where?: Filters; order?: 'asc' | 'desc'; limit?: number; only?: string } = {}): Expectation => {
    const sql = figureSql({ measure, stat, period, by, ...(o.where ? { where: o.where } : {}), ...(o.order ? { order: o.order } : {}), ...(o.limit ? { limit: o.limit } : {}) }, tz);
    // `only`: one row of a breakdown whose values depend on all rows (a share)
    return { kind: 'rows', measure, stat, sql: o.only ? `SELECT * FROM (${sql}) t WHERE key = '${o.only}'` : sql, says: named(measure) };
  };
  const compare = (measure: string, stat: Statistic, period: Days, previous: Days, where?: Filters): Expectation => ({
    kind: 'compare', measure, stat, sql: compareSql({ measure, stat, period, ...(where ? { where } : {}) }, previous, tz), says: named(measure),
  });
  const near = (measure: string, stat: Statistic, period: Days, where?: Filters): Figure & { sql: string } => ({
    measure, stat, sql: figureSql({ measure, stat, period, ...(where ? { where } : {}) }, tz),
  });
  const refuse = (match: RegExp, ...forbid: (Figure & { sql: string })[]): Expectation => ({ kind: 'refusal', match, forbid });

  return {
    cal, lastWeek, weekBefore, thisWeek, lastMonth, monthBefore, thisMonth, october, september, yesterday, last7, last3Months,
    value, winner, rows, compare, near, refuse,
  };
}

export type Kit = ReturnType<typeof kit>;
export type Row = [string, Category, string, Expectation, string[]?];

/**
 * A word the first line of an answer about a measure must carry: the answer names its figure,
 * so a number that merely coincides ("10 conversations" for 10 sessions) does not pass.
 */
export const MEASURE_WORDS: Record<string, RegExp> = {
  csi: /CSI/, effectiveness: /effective/i, effort: /effort/i, efficiency: /efficien/i, empathy: /empath/i,
  sentimentScore: /sentiment/i, sentimentShift: /shift/i, resolutionAchieved: /resol/i, fcrScore: /first.contact|FCR/i,
  ces: /effort/i, firstResponseTime: /first (?:response|reply)/i, avgResponseTime: /respon|repl/i, totalHandlingTime: /handling/i,
  conversationDays: /conversation/i, responseTime: /respon|repl/i, humanResponseTime: /respon|repl/i,
  firstResponse: /first (?:response|reply)/i, humanFirstResponse: /first (?:response|reply)/i, botFirstResponse: /first (?:response|reply)/i,
  resolutionTime: /resol/i, messages: /message/i, customerMessages: /message/i, sessions: /session/i, handoffRate: /hand.?off/i,
  containment: /contain/i, qaSessions: /session/i, reviewedSessions: /QA state/i, issueRate: /issue/i, reviewCoverage: /coverage/i, reviews: /QA|review|change/i, scorecardReviews: /scorecard/i,
  conversations: /conversation/i, handoffs: /hand.?off/i, handoffWait: /wait/i, handoffsWaiting: /waiting/i, handoffsAssigned: /assigned/i,
  handoffResolveTime: /resolve/i, handoffsClosed: /closed/i,
  templateUses: /template/i, templateSuccess: /template/i, qaScore: /QA score/i, qaCategoryScore: /category score/i, reviewerAlignment: /alignment/i,
  csatScore: /CSAT/, csatSatisfied: /CSAT|satisfied/i, csatResponseRate: /response rate/i, csatResponses: /CSAT|response/i, csatSurveys: /survey/i,
};

function named(measure: string, more: RegExp[] = []): RegExp[] {
  const word = MEASURE_WORDS[measure];
  if (!word) throw new Error(`no answer word for measure ${measure}`);
  return [word, ...more.filter((re) => re.source !== word.source)];
}
