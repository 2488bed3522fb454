import { AppError } from '../../errors.js';

// Which participant is the business? A page's export has the page in every thread, and
// nobody else is (customers each have their own thread). With one thread, or when another
// person is in every thread too, the export itself cannot tell: the operator must say.

const quoted = (names: Iterable<string>) => [...names].map((n) => `"${n}"`).join(', ');

export function resolveOwner(threads: { threadKey: string; participants: string[] }[], given: string | undefined): string {
  const byThread = new Map<string, Set<string>>();
  for (const t of threads) {
    const set = byThread.get(t.threadKey) ?? new Set<string>();
    for (const p of t.participants) set.add(p);
    byThread.set(t.threadKey, set);
  }
  const everyone = new Set([...byThread.values()].flatMap((s) => [...s]));

  if (given !== undefined) {
    const wanted = given.trim();
    const match = everyone.has(wanted) ? wanted : [...everyone].find((n) => n.toLowerCase() === wanted.toLowerCase());
    if (!match) {
      throw new AppError('BAD_REQUEST', `--owner "${wanted}" is not a participant of any thread in this export; participants: ${quoted(everyone)}`);
    }
    return match;
  }

  const sets = [...byThread.values()];
  const candidates = [...everyone].filter((n) => sets.every((s) => s.has(n))).sort();
  if (candidates.length === 1) return candidates[0]!;
  const n = byThread.size;
  const why =
    candidates.length === 0
      ? `no participant appears in all ${n} threads (participants: ${quoted([...everyone].sort())})`
      : `${candidates.length} participants appear in ${n === 1 ? 'its only thread' : `all ${n} threads`}: ${quoted(candidates)}`;
  const example = candidates[0] ?? [...everyone].sort()[0] ?? 'Page Name';
  throw new AppError(
    'BAD_REQUEST',
    `cannot infer the page (owner) of this Facebook export: ${why}. ` +
      `Pass --owner "<name>" with the page's name as it appears in the export, e.g. --owner "${example}" (API: the owner field).`,
  );
}
