// `/alert` arguments: list | add | remove | mute | help. Pure parsing with clear errors.
import { ALERT_METRICS, isAlertMetric, type AlertMetric, type Comparison } from './alerts.ts';

export type AlertCommand =
  | { kind: 'help' }
  | { kind: 'list' }
  | { kind: 'remove'; name: string }
  | { kind: 'mute'; name: string; minutes: number }
  | { kind: 'add'; name: string; metric: AlertMetric; comparison: Comparison; threshold: number; windowMinutes: number; cooldownMinutes: number; channel?: string }
  | { kind: 'error'; message: string };

export const ALERT_USAGE = [
  '`/alert list`',
  '`/alert add <name> <metric> <comparison> <threshold> [window=60m] [cooldown=60m] [#channel]`',
  '`/alert remove <name>`',
  '`/alert mute <name> <duration>` (e.g. 30m, 2h, 1d; 0 unmutes)',
  `metrics: ${ALERT_METRICS.join(', ')}; comparisons: > >= < <= (or gt gte lt lte)`,
].join('\n');

const COMPARISON_WORDS: Record<string, Comparison> = { '>': 'gt', '>=': 'gte', '≥': 'gte', '<': 'lt', '<=': 'lte', '≤': 'lte', gt: 'gt', gte: 'gte', lt: 'lt', lte: 'lte' };
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const MAX_MINUTES = 366 * 1440;

/** "90", "90m", "2h", "1d" → minutes; undefined when not a duration. */
export function parseDuration(s: string): number | undefined {
  const m = /^(\d{1,6})([mhd]?)$/i.exec(s.trim());
  if (!m) return undefined;
  const n = Number(m[1]) * ({ '': 1, m: 1, h: 60, d: 1440 } as Record<string, number>)[m[2]!.toLowerCase()]!;
  return n <= MAX_MINUTES ? n : undefined;
}

/** `<#C123|name>` (how Slack sends a channel mention), `<#C123>`, or a bare id. */
export function parseChannel(s: string): string | undefined {
  const m = /^<#([CG][A-Z0-9]+)(\|[^>]*)?>$/.exec(s) ?? /^([CG][A-Z0-9]{6,})$/.exec(s);
  return m?.[1];
}

export function parseAlertCommand(text: string): AlertCommand {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const [verb, ...rest] = words;
  const err = (message: string): AlertCommand => ({ kind: 'error', message });
  switch ((verb ?? 'help').toLowerCase()) {
    case 'help':
      return { kind: 'help' };
    case 'list':
      return rest.length ? err('`/alert list` takes no arguments') : { kind: 'list' };
    case 'remove':
    case 'delete':
      return rest.length === 1 ? { kind: 'remove', name: rest[0]! } : err('usage: `/alert remove <name>`');
    case 'mute': {
      if (rest.length !== 2) return err('usage: `/alert mute <name> <duration>`, e.g. `/alert mute csi-drop 2h`');
      const minutes = parseDuration(rest[1]!);
      return minutes === undefined ? err(`"${rest[1]}" is not a duration (use 30m, 2h or 1d)`) : { kind: 'mute', name: rest[0]!, minutes };
    }
    case 'add':
      return parseAdd(rest);
    default:
      return err(`unknown subcommand "${verb}"`);
  }
}

function parseAdd(args: string[]): AlertCommand {
  const err = (message: string): AlertCommand => ({ kind: 'error', message });
  if (args.length < 4) return err('usage: `/alert add <name> <metric> <comparison> <threshold> [window=60m] [cooldown=60m] [#channel]`');
  const [name, metric, cmp, thr, ...opts] = args as [string, string, string, string, ...string[]];
  if (!NAME.test(name)) return err(`"${name}" is not a valid rule name (letters, digits, - _ . ; up to 64)`);
  if (!isAlertMetric(metric)) return err(`unknown metric "${metric}"; one of ${ALERT_METRICS.join(', ')}`);
  const comparison = COMPARISON_WORDS[cmp.toLowerCase()];
  if (!comparison) return err(`unknown comparison "${cmp}"; use > >= < <= (or gt gte lt lte)`);
  const threshold = Number(thr);
  if (thr.trim() === '' || !Number.isFinite(threshold)) return err(`threshold "${thr}" is not a number`);
  let windowMinutes = 60;
  let cooldownMinutes = 60;
  let channel: string | undefined;
  for (const o of opts) {
    const kv = /^(window|cooldown)=(.+)$/i.exec(o);
    if (kv) {
      const minutes = parseDuration(kv[2]!);
      if (minutes === undefined || minutes < 1) return err(`${kv[1]} "${kv[2]}" is not a duration (use 30m, 2h or 1d)`);
      if (kv[1]!.toLowerCase() === 'window') windowMinutes = minutes;
      else cooldownMinutes = minutes;
      continue;
    }
    const ch = parseChannel(o);
    if (ch && !channel) {
      channel = ch;
      continue;
    }
    return err(`unexpected "${o}"; options are window=<duration>, cooldown=<duration> and a #channel`);
  }
  return { kind: 'add', name, metric, comparison, threshold, windowMinutes, cooldownMinutes, ...(channel ? { channel } : {}) };
}
