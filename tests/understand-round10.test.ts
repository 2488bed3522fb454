// The tenth outside round (7 December, session 20): questions whose answer was a true number for
// a different question. Pure: a fixed clock and the vocabulary the assistant loads.
import { describe, expect, it } from 'vitest';
import { understand, type Intent, type IntentContext } from '../src/domain/intents.ts';

const ctx: IntentContext = {
  now: new Date('2026-11-18T10:00:00Z'),
  timeZone: 'Europe/Berlin',
  pages: ['Acme Home', 'Stride Shoes', 'Voltix'],
  agents: ['Maria Lopez', 'James Carter', 'Emma Novak', 'Fatima Zahra'],
  reviewers: ['Olga Berg', 'Sam Quinn'],
  topics: ['complaint', 'shipping_question', 'return_request', 'price_inquiry', 'general_inquiry'],
};
const ask = (q: string, previous?: Intent) => understand(q, { ...ctx, ...(previous ? { previous } : {}) });
const q = (text: string) => ask(text).metric?.query;

describe('the tenth outside round', () => {
  it('counts pages, agents or reviewers "that had" a figure as a refusal naming the breakdown, never as the figure', () => {
    for (const text of ['how many pages had handoffs yesterday', 'number of agents with handoffs last week', 'how many reviewers did reviews last month', 'how many distinct brands got sessions yesterday']) {
      const r = ask(text);
      expect(r.kind, text).toBe('refuse');
      expect(r.refusal, text).toMatch(/not the (?:pages|agents|reviewers|brands) that had any.* by (?:page|agent|reviewer)" lists/);
    }
  });

  it('refuses a share taken over the named values only (they would add up to 100%)', () => {
    for (const text of ['what % of customer msgs last week were complaints or returns', 'complaints and returns as a share of customer messages last week']) {
      expect(ask(text).refusal, text).toMatch(/add up to 100%; ask for the share by topic/);
    }
    // one topic stays the share of all customer messages, that topic shown
    expect(ask('what % of customer messages last week were complaints').metric).toMatchObject({ focus: 'complaint', query: { groupBy: 'topic', filters: [] } });
  });

  it('reads "of X\'s CSAT answers, what % were satisfied" as X\'s satisfied share', () => {
    expect(q("of voltix's csat answers last month what % were satisfied")).toMatchObject({ measure: 'csatSatisfied', filters: [{ dimension: 'page', values: ['Voltix'] }] });
    expect(q("of james's csat answers, how many % were 4 or 5 last month")).toMatchObject({ measure: 'csatSatisfied', filters: [{ dimension: 'agent', values: ['James Carter'] }] });
  });

  it('reads conversations that had messages, cases "closed out", and scorecard reviews as their own figures', () => {
    expect(q('how many conversations had messages on 3 nov')?.measure).toBe('conversations');
    expect(q('who closed out the most handoff cases in october')).toMatchObject({ measure: 'handoffsClosed', groupBy: 'agent' });
    expect(q('scorecard reviews by reviewer in october')).toMatchObject({ measure: 'scorecardReviews', groupBy: 'reviewer' });
    expect(q('how many scorecards did olga do last month')).toMatchObject({ measure: 'scorecardReviews', filters: [{ dimension: 'reviewer', values: ['Olga Berg'] }] });
    // a scorecard's score is still the QA score
    expect(q('scorecard scores by reviewer last month')?.measure).toBe('qaScore');
  });

  it('refuses a breakdown with the overall figure, and a distribution of scores, instead of dropping the words', () => {
    for (const text of ['csat by agent and overall last month', 'csat overall and by agent last month', 'csi per agent plus the overall figure last month', 'csat by page and the total last month']) {
      expect(ask(text).refusal, text).toMatch(/asks for two answers/);
    }
    for (const text of ['csat distribution last month', 'breakdown of csat scores last month', 'csat histogram for october']) {
      expect(ask(text).refusal, text).toMatch(/I do not keep how many rows had each value/);
    }
    expect(q('handoffs by page last month')?.groupBy).toBe('page');
    expect(q('total handoffs by page last month')?.groupBy).toBe('page');
  });

  it('refuses a word after "reviewer" or "agent" that names no one here', () => {
    expect(ask('qa score by reviewer daniel').refusal).toMatch(/I don't know "daniel"/);
    expect(ask('csat by agent bob last month').refusal).toMatch(/I don't know "bob"/);
    expect(q('qa score by reviewer last month please')?.groupBy).toBe('reviewer');
  });

  it('reads the issues a reviewer found, raised, logged or reported as QA changes to issue, in a thread too', () => {
    expect(q('which qa person found the most issues in october')).toMatchObject({ measure: 'reviews', groupBy: 'reviewer', order: 'desc', filters: [{ dimension: 'qa_state', values: ['issue'] }] });
    expect(q('who raised the most issues last month')).toMatchObject({ measure: 'reviews', groupBy: 'reviewer', filters: [{ dimension: 'qa_state', values: ['issue'] }] });
    expect(q('how many issues did olga log last month')).toMatchObject({ measure: 'reviews', filters: [{ dimension: 'reviewer', values: ['Olga Berg'] }, { dimension: 'qa_state', values: ['issue'] }] });
    expect(ask('issues per reviewer', ask('csat last month')).metric?.query).toMatchObject({ measure: 'reviews', groupBy: 'reviewer', filters: [{ dimension: 'qa_state', values: ['issue'] }] });
  });

  it('answers the first of two questions, its figure and statistic, and names the second as not answered', () => {
    const csat = ask('csat last week and how many handoffs');
    expect(csat.metric?.query).toMatchObject({ measure: 'csatScore' });
    expect(csat.metric?.query.statistic).toBeUndefined();
    expect(csat.metric?.notApplied.join(' ')).toMatch(/handoffs \(one figure per question/);
    const handoffs = ask('how many handoffs last week and what was the csat');
    expect(handoffs.metric?.query).toMatchObject({ measure: 'handoffs', statistic: 'count' });
    expect(handoffs.metric?.notApplied.join(' ')).toMatch(/csat \(one figure per question/);
  });

  it('refuses answers of one score and unanswered surveys with their true reason, and reads closed "cases" as handoff cases', () => {
    for (const text of ['what share of surveys got a 1 or 2 last month', 'how many 5 star ratings did we get last month', 'what % of csat answers were 1s last month']) {
      expect(ask(text).refusal, text).toMatch(/CSAT answers of a given score/);
    }
    for (const text of ['how many surveys went unanswered last month', 'how many csat surveys got no answer last month']) {
      expect(ask(text).refusal, text).toMatch(/surveys left unanswered are not a figure of their own/);
    }
    expect(ask('how many calibration sheets last month').refusal).toMatch(/I do not count calibration sheets themselves/);
    expect(q('which agent closed out most cases last month')).toMatchObject({ measure: 'handoffsClosed', groupBy: 'agent', order: 'desc' });
    expect(ask('which agent closed the most cases last month').metric?.notApplied).toEqual([]);
    expect(q('how many cases were closed last week')?.measure).toBe('handoffsClosed');
    // scores that are not one score stay answered
    expect(q('what share of csat answers were 4 or 5 last month')?.measure).toBe('csatSatisfied');
    expect(q('how many csat surveys were sent in the last 5 days')?.measure).toBe('csatSurveys');
  });

  it('sorts "best first" by the figure\'s own good end, with no top-5 cut', () => {
    expect(q('fcr by agent last month, best first')).toMatchObject({ groupBy: 'agent', order: 'desc' });
    expect(q('fcr by agent last month, best first')?.limit).toBeUndefined();
    expect(q('handling time by agent last month, best first')).toMatchObject({ order: 'asc' });
    expect(q('csi by page last month worst first')).toMatchObject({ order: 'asc' });
  });

  it('refuses one figure against the team\'s as two figures, never answering the one alone', () => {
    for (const text of ["is fatima's median handling time above the team's in november?", "team avg csi vs maria's last month", "is james's csat above the team average last month", "is voltix's handoff rate above average last month"]) {
      expect(ask(text).refusal, text).toMatch(/asks for two figures, the one named and everyone's/);
    }
    expect(ask('avg human first response per agent vs the team overall last month').refusal).toMatch(/^I can't answer that as asked: "vs the team[a-z ]*" asks for two answers/);
    expect(q('csat for voltix vs stride last month')).toMatchObject({ groupBy: 'page' });
    expect(ask('how long did the handoff cases take').refusal ?? '').not.toMatch(/times I have are(?!.*time to resolve a handoff)/);
  });

  it('the eleventh round: the CSI\'s own first response time, sessions given a QA state, sessions handed off, names that do the work, customers ranked', () => {
    expect(q('avg first response time (csi metric) last week')?.measure).toBe('firstResponseTime');
    expect(q('avg first response time csi metric last week')?.measure).toBe('firstResponseTime');
    expect(q('how many sessions got a qa state last month')).toMatchObject({ measure: 'reviewedSessions', filters: [] });
    expect(q('how many sessions were given a qa state in nov by reviewer')).toMatchObject({ measure: 'reviewedSessions', groupBy: 'reviewer' });
    expect(q('share of sessions handed off on mondays in nov')).toMatchObject({ measure: 'handoffRate', filters: [{ dimension: 'weekday', values: ['Monday'] }] });
    expect(q('share of sessions handed off in nov')?.measure).toBe('handoffRate');
    for (const [text, name] of [['how many handoffs did kevin take last week', 'kevin'], ['handoffs kevin took last week', 'kevin'], ["what's priya's csat last month", 'priya']] as const) {
      expect(ask(text).refusal, text).toMatch(new RegExp(`I don't know "${name}"`));
    }
    expect(q("what's fatima's csat last month")?.filters).toEqual([{ dimension: 'agent', values: ['Fatima Zahra'] }]);
    expect(q("the team's csat last month")?.measure).toBe('csatScore');
    expect(ask('for the quarterly review: average csat score for october').refusal ?? '').not.toMatch(/I don't know "quarterly"/);
    for (const text of ['who complained the most last week', 'top customers by complaints last week', 'list the customers who complained most last week']) {
      expect(ask(text).refusal, text).toMatch(/ranks the customers themselves/);
    }
    expect(q('who sent the most messages last week')).toMatchObject({ measure: 'messages', groupBy: 'agent' });
  });

  it('the eleventh round, threads: "humans" after "bot only", "how many answered" after CSAT, the time to resolve after cases closed, a figure of the same data keeps the page', () => {
    const bot = ask('bot only', ask('avg response time last week'));
    expect(ask('humans', bot).metric?.query).toMatchObject({ measure: 'humanResponseTime', filters: [] });
    const csat = ask('csat for fatima in nov');
    const answered = ask('how many answered', csat);
    expect(answered.metric?.query).toMatchObject({ measure: 'csatResponses', filters: [{ dimension: 'agent', values: ['Fatima Zahra'] }] });
    expect(ask('and the response rate', answered).metric?.query.measure).toBe('csatResponseRate');
    const byAgent = ask('by agent', ask('handoff cases closed last month'));
    const most = ask('who resolved the most', byAgent);
    expect(most.metric?.query).toMatchObject({ measure: 'handoffsClosed', groupBy: 'agent', order: 'desc' });
    expect(ask('avg time to resolve for them', most).metric?.query.measure).toBe('handoffResolveTime');
    const satisfied = ask('what % satisfied', ask('csat for voltix last week'));
    expect(satisfied.metric?.query).toMatchObject({ measure: 'csatSatisfied', filters: [{ dimension: 'page', values: ['Voltix'] }], period: { from: '2026-11-09', to: '2026-11-15' } });
    expect(satisfied.metric?.remarks?.join(' ')).toMatch(/keeps the period of the question before: last week.*, and its page Voltix/);
  });

  it('the eleventh round, noise: no second figure noted where one was asked, a second question\'s name left to it, a weekday said of what is counted, a vague question asked which figure', () => {
    expect(ask('satisfied share of csat oct vs nov').metric?.notApplied).toEqual([]);
    expect(ask("avg qa score for olga's reviews in october").metric).toMatchObject({ notApplied: [], query: { measure: 'qaScore', filters: [{ dimension: 'reviewer', values: ['Olga Berg'] }] } });
    const two = ask('csat for stride and also how many handoffs voltix had yesterday');
    expect(two.metric?.query.filters).toEqual([{ dimension: 'page', values: ['Stride Shoes'] }]);
    expect(two.metric?.notApplied.join(' ')).toMatch(/handoffs \(one figure per question/);
    expect(q('% of monday sessions handed off in october')).toMatchObject({ measure: 'handoffRate', filters: [{ dimension: 'weekday', values: ['Monday'] }], period: { from: '2026-10-01' } });
    expect(q('how many monday sessions in october')).toMatchObject({ measure: 'sessions', filters: [{ dimension: 'weekday', values: ['Monday'] }] });
    expect(ask('yo whats the vibe on voltix lately').refusal).toMatch(/^Which figure do you mean\?/);
  });

  it('the twelfth round: "handoff %", "whose", a reviewer who "took" handoffs, "kept away from humans", the queue\'s halves, surveys with answers', () => {
    expect(q('handoff % for voltix first half of november')).toMatchObject({ measure: 'handoffRate', filters: [{ dimension: 'page', values: ['Voltix'] }] });
    expect(q('handoff percentage by page last month')).toMatchObject({ measure: 'handoffRate', groupBy: 'page' });
    expect(q('whose avg qa score was highest in november')).toMatchObject({ measure: 'qaScore', groupBy: 'reviewer', order: 'desc' });
    expect(q('whose csat was best last month')).toMatchObject({ measure: 'csatScore', groupBy: 'agent', order: 'desc' });
    expect(q('whose empathy was worst in nov')).toMatchObject({ measure: 'empathy', groupBy: 'agent', order: 'asc' });
    expect(ask('how many handoffs did olga pick up in november').refusal).toMatch(/Olga Berg is a QA reviewer here, not an agent/);
    expect(q('which page kept the most sessions away from humans last month')).toMatchObject({ measure: 'containment', groupBy: 'page', order: 'desc' });
    expect(q('which page kept the most chats with the bot last month')?.measure).toBe('containment');
    const waiting = ask('handoffs waiting right now');
    expect(ask('and assigned', waiting).metric?.query.measure).toBe('handoffsAssigned');
    expect(ask('who holds the most', waiting).metric?.query).toMatchObject({ measure: 'handoffsAssigned', groupBy: 'agent' });
    expect(q('how many surveys did we get answers for last week')?.measure).toBe('csatResponses');
    expect(q('how many surveys did we send last week')?.measure).toBe('csatSurveys');
    expect(q('handling minutes last week')?.measure).toBe('totalHandlingTime');
    expect(q('convo-days last week')?.measure).toBe('conversationDays');
    expect(q('who flags the most issues in november')).toMatchObject({ measure: 'reviews', groupBy: 'reviewer' });
  });

  it('"that week", "that day" in a thread are the period before when it is one, refused when it is not; "avg sessions per weekday"', () => {
    const before = ask('and the week before', ask('messages last week'));
    expect(ask('that week by page', before).metric?.query).toMatchObject({ groupBy: 'page', period: { from: '2026-11-02', to: '2026-11-08' } });
    expect(ask('csat that day', ask('handoffs yesterday')).metric?.query).toMatchObject({ measure: 'csatScore', period: { from: '2026-11-17', to: '2026-11-17' } });
    expect(ask('how many handoffs that day', ask('busiest day last month')).refusal).toMatch(/I could not tell which day "that day" is/);
    expect(ask('csat the same week last year', ask('handoffs last week')).metric?.query.period?.from).toMatch(/^2025-/);
    expect(q('avg sessions per weekday last month')).toMatchObject({ measure: 'sessions', statistic: 'perDay', groupBy: 'weekday' });
  });

  it('the thirteenth round: slowest to pick up a handoff is the wait, the handoff rate of conversations about a topic, "is that based on", "satisfied %", "mark as issue", a forecast with "will we get"', () => {
    expect(q('which agent is slowest to pick up a handoff last month')).toMatchObject({ measure: 'handoffWait', groupBy: 'agent', order: 'desc' });
    expect(q('fastest agent at picking up handoffs last month')).toMatchObject({ measure: 'handoffWait', order: 'asc' });
    expect(q('avg pickup time after handoff last month')?.measure).toBe('handoffWait');
    expect(ask('handoff rate for conversations about complaints last month').refusal).toMatch(/handoff rate cannot be filtered by topic/);
    expect(q('csi for conversations handled by james last week')?.measure).toBe('csi');
    const lowest = ask("who's the lowest", ask('csat by agent last month'));
    expect(ask('how many surveys is that based on', lowest).refusal).toMatch(/asks what the figure before was based on/);
    expect(q('satisfied % on weekdays last month')?.measure).toBe('csatSatisfied');
    expect(q('how many sessions did sam mark as an issue last month')).toMatchObject({ measure: 'reviewedSessions', filters: [{ dimension: 'reviewer', values: ['Sam Quinn'] }, { dimension: 'qa_state', values: ['issue'] }] });
    expect(ask('how many handoffs will we get in december').refusal).toMatch(/make no forecasts/);
  });

  it('"he" and "she" in a thread are the one person named before, refused with no one person before (never an unknown name)', () => {
    expect(ask('how many surveys did she get', ask('csat for maria last month')).metric?.query).toMatchObject({ measure: 'csatSurveys', filters: [{ dimension: 'agent', values: ['Maria Lopez'] }] });
    expect(ask('how many surveys did she get', ask('csat for maria last month')).metric?.notApplied).toEqual([]);
    expect(ask('how many reviews did she do', ask('qa score for olga last month')).metric?.query.filters).toEqual([{ dimension: 'reviewer', values: ['Olga Berg'] }]);
    expect(ask('avg score she gave', ask('qa score by reviewer last month')).refusal).toMatch(/I could not tell who "she" is/);
    expect(ask('how many surveys did she get last month').refusal).toMatch(/I could not tell who "she" is/);
  });
});
