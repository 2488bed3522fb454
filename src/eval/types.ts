// The shape of the evaluation set: a question a team lead would type, the thread it is asked
// in, and what a right answer must contain, expressed over the answer's words and independent
// SQL, never over how the question was understood (the parser's internals are free to change).
import type { Statistic } from '../domain/semantic/catalogue.ts';

export const CATEGORIES = [
  'measure', 'statistic', 'breakdown', 'ranking', 'filter', 'period', 'comparison', 'follow-up',
  'refusal-out-of-catalogue', 'refusal-unsupported', 'unreadable-period',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** How an expected figure is written: the catalogue measure's unit and the statistic. `says`, below: words the answer's first line must carry (the measure's name, a filter or statistic asked). */
export interface Figure {
  measure: string;
  stat: Statistic;
}

export type Expectation =
  /** `sql` returns one row, column `value`: it must appear, formatted, in the answer's first line */
  | (Figure & { kind: 'value'; sql: string; says?: RegExp[] })
  /** `sql` returns rows `key`, `value`, best first: the first key (or one tied with it) and its value in the first line */
  | (Figure & { kind: 'winner'; sql: string; says?: RegExp[] })
  /** `sql` returns rows `key`, `value`: each key with its value on one line of the answer */
  | (Figure & { kind: 'rows'; sql: string; says?: RegExp[] })
  /** `sql` returns one row, columns `current` and `previous`: both in the first line */
  | (Figure & { kind: 'compare'; sql: string; says?: RegExp[] })
  /** the answer matches `match` and contains none of the `forbid` figures (the nearby answers) */
  | { kind: 'refusal'; match: RegExp; forbid: (Figure & { sql: string })[] };

export interface EvalQuestion {
  id: string;
  category: Category;
  question: string;
  /** earlier questions of the same thread, asked first (for follow-ups) */
  thread?: string[];
  expect: Expectation;
}
