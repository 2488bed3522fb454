// "What share of X were Y": X is what the share is of (its names filter), Y the part asked about
// (its name is the group shown first). "what share of Stride's messages were about shipping" is
// shipping among Stride's messages, not Stride's share of shipping messages.
import type { Filter } from './query.ts';

/** The words after "share of" up to where the part asked about starts ("that", "were", "about", "a human had to", …). */
const BASE = /(?:\b(?:share|percentage|percent|proportion|portion|fraction|how much)|%)\s+of\s+((?:(?!(?:a|an|that|which|who|were|was|are|is|went|got|had|came|happened|sent|written|handled|handed|escalated|transferred|needed|needing|required|requiring|involved|ended|reached|passed|reviewed|flagged|fixed|marked|tagged|labell?ed|answered|resolved|rated|asked|with|about|on|in|from|by|during|for|at|last|this|yesterday|today|over|between|since)\b)[a-z0-9'’-]+\s*)+)/;

/** Whether the words of a filter's value are in `phrase` ("stride's" for Stride Shoes, "weekends" for Saturday). */
function mentioned(phrase: string, f: Filter): boolean {
  return f.values.some((v) => {
    if (f.dimension === 'weekday' && /^(?:saturday|sunday)$/i.test(v) && /\bweekends?\b/.test(phrase)) return true;
    return v.toLowerCase().split(/[_\s]+/).filter((w) => w.length >= 3).some((w) => new RegExp(`\\b${w.slice(0, 5).replace(/[^a-z0-9]/g, '')}`).test(phrase));
  });
}

export interface ShareParts {
  /** the part asked about: its dimension is the breakdown, its one value shown first */
  focus?: Filter;
  /** the part names several values ("weekends"): one share of them together is not a figure I give */
  several?: Filter;
  /** what the share is of is sessions ("% of Oakhaven's sessions"): a rate over sessions */
  ofSessions: boolean;
}

/** Splits a share's filters into what it is of and the part asked about; `candidate` says which filters can be a breakdown. */
export function shareParts(text: string, filters: readonly Filter[], candidate: (f: Filter) => boolean): ShareParts {
  const base = BASE.exec(text)?.[1]?.trim() ?? '';
  // ("of all the sessions Voltix had in November, what % got handed over": the sessions said first)
  const ofSessions = /\bsessions$/.test(base) || /\b(?:share|percentage|percent|proportion|portion|fraction) of (?:the |all |our )?sessions\b|^(?:out )?of (?:all )?(?:the |our )?(?:[a-z']+ )?sessions\b/.test(text);
  const named = filters.filter((f) => !f.exclude && candidate(f));
  const part = named.filter((f) => !mentioned(base, f));
  // a page said with "on"/"for" beside the part ("complaints on Voltix") is where, not what
  const single = part.filter((f) => f.values.length === 1);
  const focus = single.find((f) => f.dimension !== 'page') ?? (part.length === single.length ? single[0] : undefined);
  if (focus) return { focus, ofSessions };
  const several = part.find((f) => f.values.length > 1);
  if (several) return { several, ofSessions };
  // "the share of Voltix messages": Voltix among all pages
  return { ...(named.find((f) => f.values.length === 1) ? { focus: named.find((f) => f.values.length === 1)! } : {}), ofSessions };
}
