import { z } from 'zod';
import { JUDGEMENT_METRICS, JUDGEMENT_RANGES, clamp, round2, type JudgementMetric } from '../../domain/scoring/ranges.ts';
import type { JudgementScores } from '../../domain/scoring/types.ts';

// Two schemas on purpose. The model is shown the exact contract (ranges, nullability), but the
// reply is validated item by item with a lenient one: one bad item must cost only its own day,
// not the whole batch, which a single strict parse of the batch would do.

const metric = (m: JudgementMetric, description: string) =>
  z.number().min(JUDGEMENT_RANGES[m][0]).max(JUDGEMENT_RANGES[m][1]).nullable().describe(description);

const daySchema = z.object({
  key: z.string().describe('the key of the conversation-day, copied exactly'),
  sentimentScore: metric('sentimentScore', 'customer sentiment, 0 very negative, 5 neutral, 10 very positive'),
  sentimentShift: metric('sentimentShift', 'sentiment at the end of the day minus at the start'),
  resolutionAchieved: metric('resolutionAchieved', 'how resolved the issue is by the end of the day'),
  fcrScore: metric('fcrScore', 'resolved on first contact without the customer coming back'),
  ces: metric('ces', 'customer effort, 1 effortless, 7 very hard'),
});

export const batchOutputSchema = z.object({ days: z.array(daySchema) }).describe('Scores, one item per conversation-day');

/**
 * The JSON Schema sent as `response_format` (or as the tool's parameters on models without JSON
 * Schema support). Passing JSON Schema rather than the zod object keeps LangChain and the
 * OpenAI SDK from validating the whole batch at once. It is strict-mode compatible: every
 * property required, no additional properties, null allowed via anyOf.
 */
export const BATCH_OUTPUT_JSON_SCHEMA: Record<string, unknown> = (() => {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(batchOutputSchema);
  return schema;
})();

const lenientDay = z.object({
  key: z.union([z.string(), z.number()]).transform(String),
  sentimentScore: z.number().nullable(),
  sentimentShift: z.number().nullable(),
  resolutionAchieved: z.number().nullable(),
  fcrScore: z.number().nullable(),
  ces: z.number().nullable(),
});

/**
 * Models overshoot by rounding (10.5, or 0 for a 1–7 scale), which is clamped. Anything further
 * out means the model used another scale (a 0–100 score, say): clamping that would turn a
 * misunderstanding into a confident 10, so the whole item is rejected instead.
 */
const OVERSHOOT = 1;

function inRange(day: z.infer<typeof lenientDay>): JudgementScores | null {
  const scores = {} as JudgementScores;
  for (const m of JUDGEMENT_METRICS) {
    const v = day[m];
    if (v === null) {
      scores[m] = null;
      continue;
    }
    const [min, max] = JUDGEMENT_RANGES[m];
    if (v < min - OVERSHOOT || v > max + OVERSHOOT) return null;
    scores[m] = round2(clamp(v, min, max));
  }
  return scores;
}

export interface ParsedBatch {
  scores: Map<string, JudgementScores>;
  /** items that failed validation (their days stay null) */
  invalid: number;
  /** keys the model returned that were not asked for (ignored: never attached to another day) */
  unknownKeys: string[];
}

export function parseBatchOutput(output: unknown, askedKeys: ReadonlySet<string>): ParsedBatch {
  const result: ParsedBatch = { scores: new Map(), invalid: 0, unknownKeys: [] };
  const items = Array.isArray(output)
    ? output
    : output && typeof output === 'object' && Array.isArray((output as { days?: unknown }).days)
      ? (output as { days: unknown[] }).days
      : [];
  for (const item of items) {
    const parsed = lenientDay.safeParse(item);
    const scores = parsed.success ? inRange(parsed.data) : null;
    if (!parsed.success || !scores) {
      result.invalid++;
      continue;
    }
    const key = parsed.data.key;
    if (!askedKeys.has(key)) result.unknownKeys.push(key);
    // The first answer for a key wins: a duplicate is more likely a slip than a correction.
    else if (!result.scores.has(key)) result.scores.set(key, scores);
  }
  return result;
}
