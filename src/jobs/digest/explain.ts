import type { Config } from '../../config.ts';
import { templateExplanation, headlineOf, type DigestData } from '../../domain/digest.ts';
import type { Logger } from '../../logger.ts';

// The digest's written explanation: an LLM's when OPENAI_API_KEY is set (the same
// OpenAI-compatible settings as the assistant), the offline template otherwise or when the
// model fails, is slow, or answers with something unusable. The model only words the figures
// it is given; it never sees customer text.

const TIMEOUT_MS = 20_000;
const MAX_CHARS = 600;

function prompt(d: DigestData): string {
  const h = headlineOf(d);
  const figures = {
    period: d.period.label, previous: d.csi.previous.label, timezone: d.timezone,
    csi: h.csi, csiChange: h.csiChange, pillars: d.csi.current.display, previousPillars: d.csi.previousValues.display,
    conversations: h.conversations, messages: h.messages, firstResponseMedian: h.firstResponseP50, firstResponseP90: h.firstResponseP90,
    botContainment: h.botContainment, handoffRate: h.handoffRate, qaWaiting: h.qaWaiting, qaIssueRate: h.issueRate,
    topTopics: d.stats.topics?.top.map((t) => `${t.topic} ${t.display.share}`) ?? [],
    sampleSessions: d.samples.map((s) => `session ${s.sessionId} (${s.why})`),
  };
  return `Write 2 to 4 plain sentences for a support team lead explaining these figures: what changed against the previous period and what to look at. Use only these numbers, exactly as written; cite one to three of the sample sessions by id. No greeting, no markdown.\n${JSON.stringify(figures)}`;
}

export async function explainDigest(d: DigestData, config: Config, logger: Logger): Promise<{ text: string; source: 'llm' | 'template' }> {
  const fallback = { text: templateExplanation(d), source: 'template' as const };
  if (!config.llm.apiKey) return fallback;
  try {
    const { chatModel } = await import('../../agents/assistant/open.ts');
    // the offline options are never used here: this path runs only with an API key
    const model = await chatModel(config, { timeZone: d.timezone, now: () => new Date(0) });
    const res = await model.invoke([{ role: 'user', content: prompt(d) }], { signal: AbortSignal.timeout(TIMEOUT_MS) });
    const text = (typeof res.content === 'string' ? res.content : res.content.map((p) => ('text' in p ? p.text : '')).join('')).trim();
    if (text.length < 20) return fallback;
    return { text: text.length > MAX_CHARS ? `${text.slice(0, MAX_CHARS - 1)}…` : text, source: 'llm' };
  } catch (err) {
    logger.warn({ err, component: 'digest' }, 'digest: the LLM explanation failed; using the template');
    return fallback;
  }
}
