import { describe, expect, it } from 'vitest';
import { renderSvg } from '../src/charts/render.ts';
import { alertChart } from '../src/domain/alerts-chart.ts';
import { parseAlertCommand, parseDuration } from '../src/domain/alerts-command.ts';
import { chartSampleTimes, decideAlert, firedText, formatMetricValue, holds, recoveredText, type RuleState } from '../src/domain/alerts.ts';

// Alert rules, pure: comparisons, the ok → firing → ok machine with cooldown and mute, the
// /alert grammar, and the chart spec.

const NOW = new Date('2026-11-20T12:00:00Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);
const rule = (o: Partial<RuleState> = {}): RuleState => ({ state: 'ok', comparison: 'gte', threshold: 10, cooldownMinutes: 60, lastFiredAt: null, mutedUntil: null, ...o });

describe('decideAlert', () => {
  it('compares as told', () => {
    expect([holds(10, 'gt', 10), holds(10, 'gte', 10), holds(9, 'lt', 10), holds(10, 'lte', 10), holds(11, 'lte', 10)]).toEqual([false, true, true, true, false]);
  });

  it('ok → firing when the condition holds, once; firing stays quiet while it holds; recovers once', () => {
    expect(decideAlert(rule(), 12, NOW)).toEqual({ action: 'fire', state: 'firing' });
    expect(decideAlert(rule({ state: 'firing', lastFiredAt: minutesAgo(1) }), 12, NOW)).toEqual({ action: 'none', state: 'firing', why: 'unchanged' });
    expect(decideAlert(rule({ state: 'firing', lastFiredAt: minutesAgo(1) }), 3, NOW)).toEqual({ action: 'recover', state: 'ok' });
    expect(decideAlert(rule(), 3, NOW)).toEqual({ action: 'none', state: 'ok', why: 'unchanged' });
  });

  it('within the cooldown after a firing nothing fires again; after it, it does', () => {
    expect(decideAlert(rule({ lastFiredAt: minutesAgo(59) }), 12, NOW)).toEqual({ action: 'none', state: 'ok', why: 'cooldown' });
    expect(decideAlert(rule({ lastFiredAt: minutesAgo(60) }), 12, NOW)).toEqual({ action: 'fire', state: 'firing' });
  });

  it('no data or a mute changes nothing', () => {
    expect(decideAlert(rule({ state: 'firing' }), null, NOW)).toEqual({ action: 'none', state: 'firing', why: 'no-data' });
    expect(decideAlert(rule(), Number.NaN, NOW)).toMatchObject({ action: 'none', why: 'no-data' });
    expect(decideAlert(rule({ mutedUntil: new Date(NOW.getTime() + 1) }), 99, NOW)).toMatchObject({ action: 'none', why: 'muted' });
    expect(decideAlert(rule({ mutedUntil: NOW }), 99, NOW)).toMatchObject({ action: 'fire' });
  });

  it('says what happened in words', () => {
    const r = { name: 'csi-drop', metric: 'csi_drop' as const, comparison: 'gte' as const, threshold: 10, windowMinutes: 1440 };
    expect(firedText(r, 17.5)).toBe(':rotating_light: Alert *csi-drop*: CSI drop is 17.5 points (≥ 10 points) over the last 1d');
    expect(recoveredText(r, 2)).toBe(':white_check_mark: Recovered *csi-drop*: CSI drop is back to 2 points (threshold ≥ 10 points)');
    expect(formatMetricValue('error_rate', 0.25)).toBe('0.25 errors/h');
    expect(formatMetricValue('first_response_p90', 912.44)).toBe('912.4 s');
  });
});

describe('/alert grammar', () => {
  it('reads add with defaults, options and a channel mention', () => {
    expect(parseAlertCommand('add slow first_response_p90 > 900')).toEqual({ kind: 'add', name: 'slow', metric: 'first_response_p90', comparison: 'gt', threshold: 900, windowMinutes: 60, cooldownMinutes: 60 });
    expect(parseAlertCommand('add health health_score lt 70 window=1d cooldown=6h <#C0OPS|ops>')).toEqual({
      kind: 'add', name: 'health', metric: 'health_score', comparison: 'lt', threshold: 70, windowMinutes: 1440, cooldownMinutes: 360, channel: 'C0OPS',
    });
  });

  it.each([
    ['add x nope > 1', /unknown metric "nope"/],
    ['add x error_rate ~ 1', /unknown comparison "~"/],
    ['add x error_rate > many', /threshold "many" is not a number/],
    ['add x error_rate > 1 window=0m', /window "0m" is not a duration/],
    ['add x error_rate > 1 #ops', /unexpected "#ops"/],
    ['add "x y" error_rate > 1', /not a valid rule name/],
    ['add x error_rate >', /usage/],
    ['mute x forever', /"forever" is not a duration/],
    ['remove', /usage: `\/alert remove <name>`/],
    ['list all', /takes no arguments/],
    ['launch', /unknown subcommand "launch"/],
  ])('%s is a clear error', (text, message) => {
    const c = parseAlertCommand(text);
    expect(c.kind).toBe('error');
    expect(c.kind === 'error' && c.message).toMatch(message);
  });

  it('reads list, remove, mute and help', () => {
    expect(parseAlertCommand('')).toEqual({ kind: 'help' });
    expect(parseAlertCommand('list')).toEqual({ kind: 'list' });
    expect(parseAlertCommand('remove slow')).toEqual({ kind: 'remove', name: 'slow' });
    expect(parseAlertCommand('mute slow 2h')).toEqual({ kind: 'mute', name: 'slow', minutes: 120 });
    expect([parseDuration('90'), parseDuration('1d'), parseDuration('0'), parseDuration('2w'), parseDuration('999999d')]).toEqual([90, 1440, 0, undefined, undefined]);
  });
});

describe('alert chart', () => {
  it('samples one window apart and draws the metric with its threshold, times in the rule timezone', async () => {
    const times = chartSampleTimes(NOW, 30, 4);
    expect(times.map((t) => t.toISOString())).toEqual(['2026-11-20T09:00:00.000Z', '2026-11-20T10:00:00.000Z', '2026-11-20T11:00:00.000Z', '2026-11-20T12:00:00.000Z']);
    const spec = alertChart({ ruleName: 'csi-drop', metric: 'csi_drop', threshold: 10, timezone: 'Europe/Berlin', points: times.map((at, i) => ({ at, value: i === 1 ? null : i * 5 })) });
    const json = JSON.stringify(spec);
    // 12:00Z is 13:00 in Berlin
    expect(json).toContain('"2026-11-20T13:00:00Z"');
    expect(json).toContain('"threshold":10');
    const svg = await renderSvg(spec);
    expect(svg).toContain('CSI drop: csi-drop');
    expect(svg).toContain('4 samples to Fri 20 Nov 13:00 · Europe/Berlin');
  });
});
