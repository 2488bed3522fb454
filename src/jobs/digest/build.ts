import type pg from 'pg';
import { renderPng } from '../../charts/render.ts';
import type { Config } from '../../config.ts';
import type { DigestSection } from '../../domain/digest-command.ts';
import { composeDigest, type ComposedDigest, type DigestData } from '../../domain/digest.ts';
import type { DigestFrequency } from '../../domain/digest-schedule.ts';
import type { Period } from '../../domain/periods.ts';
import type { Logger } from '../../logger.ts';
import { explainDigest } from './explain.ts';
import { gatherDigestData } from './gather.ts';

// One digest, start to end: gather the figures, word them, compose the blocks and render the
// charts. Shared by the scheduled task, `/digest preview` and `pulse digest --preview`.

export interface BuiltDigest {
  data: DigestData;
  digest: ComposedDigest;
  /** one PNG per digest.charts entry, same order */
  pngs: Buffer[];
  explanationSource: 'llm' | 'template';
}

export interface BuildInput {
  frequency: DigestFrequency;
  period: Period;
  timezone: string;
  sections?: readonly DigestSection[];
  /** false: skip rendering (an ephemeral preview cannot carry files) */
  render?: boolean;
}

export async function buildDigest(deps: { pool: pg.Pool; config: Config; logger: Logger }, input: BuildInput): Promise<BuiltDigest> {
  const data = await gatherDigestData(deps.pool, { frequency: input.frequency, period: input.period, timezone: input.timezone });
  const wantsText = !input.sections || input.sections.includes('explanation');
  const explained = wantsText ? await explainDigest(data, deps.config, deps.logger) : { text: '', source: 'template' as const };
  const digest = composeDigest(data, { ...(input.sections ? { sections: input.sections } : {}), ...(explained.text ? { explanation: explained.text } : {}) });
  const pngs = input.render === false ? [] : await Promise.all(digest.charts.map((c) => renderPng(c.spec)));
  return { data, digest, pngs, explanationSource: explained.source };
}
