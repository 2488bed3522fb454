import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import type { LLMResult } from '@langchain/core/outputs';
import { llmCalls, llmTokens } from './metrics.ts';

// A LangChain callback handler counting chat model calls and the tokens the provider reports.
// Attached where models are created (assistant, scorer): `callbacks: [llmMetrics('scorer', model)]`.

interface Usage {
  input: number;
  output: number;
}

function usageOf(output: LLMResult): Usage | undefined {
  let input = 0;
  let out = 0;
  let seen = false;
  for (const gen of output.generations.flat()) {
    const u = (gen as { message?: { usage_metadata?: { input_tokens?: number; output_tokens?: number } } }).message?.usage_metadata;
    if (u) {
      seen = true;
      input += u.input_tokens ?? 0;
      out += u.output_tokens ?? 0;
    }
  }
  if (seen) return { input, output: out };
  const t = (output.llmOutput as { tokenUsage?: { promptTokens?: number; completionTokens?: number } } | undefined)?.tokenUsage;
  return t ? { input: t.promptTokens ?? 0, output: t.completionTokens ?? 0 } : undefined;
}

class LlmMetricsHandler extends BaseCallbackHandler {
  name = 'supportpulse_llm_metrics';
  // counting must never slow or fail a call
  override awaitHandlers = false;

  constructor(
    private readonly purpose: string,
    private readonly model: string,
  ) {
    super();
  }

  override handleLLMEnd(output: LLMResult): void {
    llmCalls.inc({ purpose: this.purpose, model: this.model, outcome: 'ok' });
    const u = usageOf(output);
    if (!u) return;
    llmTokens.inc({ purpose: this.purpose, model: this.model, kind: 'prompt' }, u.input);
    llmTokens.inc({ purpose: this.purpose, model: this.model, kind: 'completion' }, u.output);
  }

  override handleLLMError(): void {
    llmCalls.inc({ purpose: this.purpose, model: this.model, outcome: 'error' });
  }
}

export function llmMetrics(purpose: string, model: string): BaseCallbackHandler {
  return new LlmMetricsHandler(purpose, model);
}
