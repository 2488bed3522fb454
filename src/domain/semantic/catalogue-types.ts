// The catalogue's vocabulary: the statistics and dimensions a query can name, and the shapes of
// a source and a measure (catalogue.ts holds the sources and measures themselves).

/** perDay: a count divided by the days of the period (those of its weekdays, when filtered by weekday) */
export const STATISTICS = ['mean', 'median', 'p90', 'min', 'max', 'sum', 'count', 'rate', 'share', 'perDay'] as const;
export type Statistic = (typeof STATISTICS)[number];

export const DIMENSIONS = ['page', 'agent', 'reviewer', 'day', 'week', 'month', 'hour', 'weekday', 'topic', 'qa_state', 'sender', 'qa_category'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export type Unit = 'csi' | 'score' | 'ces' | 'shift' | 'seconds' | 'minutes' | 'count' | 'share' | 'csat';

export type SourceName = 'conversation_days' | 'messages' | 'replies' | 'sessions' | 'qa_events' | 'handoffs_now' | 'templates' | 'qa_reviews' | 'qa_answers' | 'calibration_sheets'
  | 'csat_surveys' | 'handoff_cases';

export interface Source {
  name: SourceName;
  /** what one row is, said to the user as the base of a figure */
  grain: string;
  /** FROM clause over analytics views; `{tz}` is the business timezone literal */
  from: string;
  /**
   * joins a dimension's expression needs, added to FROM only when the query groups or filters by
   * it (each adds at most one row per row: a key lookup the planner would not drop on its own)
   */
  joins?: Partial<Record<Dimension, string>>;
  /** the row's time: a date column (`kind: 'date'`) or a timestamptz (`kind: 'instant'`); none for a current source */
  time?: { expr: string; kind: 'date' | 'instant' };
  /**
   * Rows as things stand now (the handoff queue), not events in a period: its measures take no
   * period, a period asked for is refused, and answers say "now".
   */
  current?: true;
  /** fixed conditions of the source (e.g. only customer messages) */
  where?: string;
  /** dimension → SQL expression of its value for one row */
  dimensions: Partial<Record<Dimension, string>>;
  /** joins added to FROM only when grouping by that dimension (one row may then count in several groups) */
  groupJoins?: Partial<Record<Dimension, string>>;
}

export interface Measure {
  name: string;
  label: string;
  /** one sentence: what the number means */
  definition: string;
  unit: Unit;
  source: SourceName;
  /** the value of one row; for rates a 0/1 expression, for counts `1` */
  value: string;
  /** extra condition on the source's rows for this measure */
  where?: string;
  statistics: readonly Statistic[];
  defaultStatistic: Statistic;
  /** ranking words: "best" is the highest value when true, the lowest when false */
  higherIsBetter: boolean;
  /** counts distinct values of `value` (e.g. conversations among messages) instead of rows */
  distinct?: boolean;
  /** for a rate of totals: its rate is sum(value) / sum(denominator), not a mean over rows */
  denominator?: string;
  /** dimensions of its source that would mislead (an agent's "handoff rate" is 100%: replying is the handoff) */
  without?: readonly Dimension[];
}
