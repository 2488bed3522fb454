import type { Config } from '../../config.js';
import { createLlmScorer } from '../../agents/scoring/llm-scorer.js';
import { createOfflineScorer } from '../../domain/scoring/offline-scorer.js';
import type { Scorer } from '../../domain/scoring/types.js';

/** The LLM scorer when an API key is configured, the offline scorer otherwise. */
export function createScorer(config: Pick<Config, 'llm'>, log?: (e: { msg: string; [k: string]: unknown }) => void): Scorer {
  if (!config.llm.apiKey) return createOfflineScorer();
  return createLlmScorer({ apiKey: config.llm.apiKey, baseUrl: config.llm.baseUrl, model: config.llm.model, log });
}
