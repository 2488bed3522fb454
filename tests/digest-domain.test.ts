import { describe, expect, it } from 'vitest';
import { DIGEST_SECTIONS, mayManageDigests, parseDigestCommand, sectionsOf } from '../src/domain/digest-command.ts';
import { composeDigest, direction, issueRate, templateExplanation, type CsiFigures, type DigestData } from '../src/domain/digest.ts';
import { cronFor, digestPeriod, timeOfCron } from '../src/domain/digest-schedule.ts';
import { periodBetween, previousPeriod } from '../src/domain/periods.ts';

// The pure parts of digests: schedules, periods, command parsing and composition.

describe('schedule and period', () => {
  it('derives the cron: daily, Mondays, the 1st', () => {
    expect(cronFor('daily', 9, 0)).toBe('0 9 * * *');
    expect(cronFor('weekly', 17, 30)).toBe('30 17 * * 1');
    expect(cronFor('monthly', 6, 5)).toBe('5 6 1 * *');
    expect(timeOfCron('5 6 1 * *')).toBe('06:05');
    expect(() => cronFor('daily', 24, 0)).toThrow(RangeError);
  });

  it('daily = the day before the posting day in the subscription timezone, not UTC', () => {
    // 23:30 UTC on 30 Nov is already 1 Dec in Berlin: yesterday there is 30 Nov
    expect(digestPeriod('daily', new Date('2026-11-30T23:30:00Z'), 'Europe/Berlin')).toMatchObject({ from: '2026-11-30', to: '2026-11-30', granularity: 'day' });
    expect(digestPeriod('daily', new Date('2026-11-30T23:30:00Z'), 'UTC')).toMatchObject({ from: '2026-11-29', to: '2026-11-29' });
  });

  it('weekly = the last full Monday–Sunday week, even when posted on a Sunday', () => {
    expect(digestPeriod('weekly', new Date('2026-11-23T08:00:00Z'), 'Europe/Berlin')).toMatchObject({ from: '2026-11-16', to: '2026-11-22', granularity: 'week' });
    expect(digestPeriod('weekly', new Date('2026-11-29T08:00:00Z'), 'Europe/Berlin')).toMatchObject({ from: '2026-11-16', to: '2026-11-22' });
  });

  it('monthly = the last full month, across a year end and a DST change', () => {
    expect(digestPeriod('monthly', new Date('2027-01-01T08:00:00Z'), 'Europe/Berlin')).toMatchObject({ from: '2026-12-01', to: '2026-12-31', granularity: 'month' });
    const oct = digestPeriod('monthly', new Date('2026-11-01T06:00:00Z'), 'Europe/Berlin');
    expect(oct).toMatchObject({ from: '2026-10-01', to: '2026-10-31' });
    expect(previousPeriod(oct)).toMatchObject({ from: '2026-09-01', to: '2026-09-30' });
  });
});

describe('parseDigestCommand', () => {
  const parse = (t: string) => parseDigestCommand(t, 'Europe/Berlin');

  it('reads every part of subscribe', () => {
    expect(parse('subscribe <#C0ABC123|leads> monthly 7:05 UTC qa, topics csi')).toEqual({
      ok: true,
      command: { kind: 'subscribe', channel: 'C0ABC123', frequency: 'monthly', time: '07:05', cron: '5 7 1 * *', timezone: 'UTC', sections: ['csi', 'qa', 'topics'] },
    });
    expect(parse('subscribe C0ABC1234 weekly')).toMatchObject({ ok: true, command: { channel: 'C0ABC1234', time: '09:00', timezone: 'Europe/Berlin', sections: [...DIGEST_SECTIONS] } });
  });

  it('knows the other verbs and refuses extra words', () => {
    expect(parse('list')).toEqual({ ok: true, command: { kind: 'list' } });
    expect(parse('unsubscribe #12')).toEqual({ ok: true, command: { kind: 'unsubscribe', id: 12 } });
    expect(parse('preview')).toEqual({ ok: true, command: { kind: 'preview', frequency: 'daily' } });
    expect(parse('')).toEqual({ ok: true, command: { kind: 'help' } });
    expect(parse('list all')).toMatchObject({ ok: false });
    expect(parse('preview yearly')).toMatchObject({ ok: false });
    expect(parse('subscribe <#C0ABC|x>')).toMatchObject({ ok: false, problem: expect.stringMatching(/How often\?/) });
  });

  it('sections from storage: unknown entries dropped, none = all; only leads and admins manage', () => {
    expect(sectionsOf({ sections: ['qa', 'bogus', 'csi'] })).toEqual(['csi', 'qa']);
    expect(sectionsOf(null)).toEqual([...DIGEST_SECTIONS]);
    expect(sectionsOf({ sections: ['bogus'] })).toEqual([...DIGEST_SECTIONS]);
    expect(['admin', 'lead', 'qa', 'developer', 'agent'].filter((r) => mayManageDigests(r as never))).toEqual(['admin', 'lead']);
  });
});

const figures = (csi: number | null, days: number): CsiFigures => ({
  csi, effectiveness: csi === null ? null : 7, effort: csi === null ? null : 6, efficiency: csi === null ? null : 8, empathy: csi === null ? null : 7.5, days,
  display: { csi: csi === null ? 'no data' : csi.toFixed(1), effectiveness: '7.0', effort: '6.0', efficiency: '8.0', empathy: '7.5', days: String(days) },
});

function data(over: Partial<DigestData> = {}): DigestData {
  const period = periodBetween('2026-11-16', '2026-11-22');
  return {
    frequency: 'weekly', period, timezone: 'Europe/Berlin',
    csi: {
      period, previous: previousPeriod(period), current: figures(72.44, 50), previousValues: { ...figures(70, 40), effort: 5 }, change: { csi: 2.44, display: '+2.4' },
      groups: [{ key: '2026-11-16', label: '2026-11-16', csi: 71, days: 7 }, { key: '2026-11-18', label: '2026-11-18', csi: 74, days: 8 }],
    },
    previousDays: [{ key: '2026-11-10', csi: 69 }],
    byPage: [{ label: 'Shop <A&B>', csi: 73, days: 30 }, { label: 'Outlet', csi: 70, days: 20 }],
    stats: {
      volumes: { conversations: 120, messages: 900, conversationDays: 52, display: { conversations: '120', messages: '900' } },
      responseTimes: { display: { firstResponseP50: '2 min 10 s', firstResponseP90: '14 min' } },
      topics: { top: [{ topic: 'shipping_question', share: 0.4, display: { share: '40.0%' } }] },
      sessions: { display: { botContainmentRate: '61.0%', handoffRate: '22.0%' } },
    },
    firstResponseTimes: [30, 200, 900],
    handoff: { waiting: 2, human: 1 },
    qaBacklog: { waiting: 7, byStatus: { unchecked: 7, passed: 5, issue: 1, fixed: 1 }, oldestStartedAt: null },
    qaPeriod: { unchecked: 3, passed: 6, issue: 1, fixed: 1 },
    pipeline: { scoredDays: 50, conversationDays: 52, lastRunAt: new Date('2026-11-23T05:02:00Z') },
    samples: [{ sessionId: 41, version: 3, page: 'Shop <A&B>', csi: 31.5, why: 'QA found an issue' }],
    display: { qaWaiting: '7', issueRate: '25.0%', coverage: '96.2%' },
    ...over,
  };
}

describe('composeDigest', () => {
  it('headline, direction, freshness in the timezone, at most three charts, buttons per sample', () => {
    const c = composeDigest(data());
    expect(c.title).toBe('Weekly support digest · Mon 16 Nov – Sun 22 Nov 2026');
    expect(c.headline).toMatchObject({ csi: '72.4', csiChange: '+2.4', direction: '▲', lastRun: '06:02', coverage: '96.2%' });
    expect(c.charts.map((x) => x.kind)).toEqual(['csi_trend', 'pillars', 'response_times']);
    expect(c.charts[0]!.filename).toBe('digest-2026-11-16_2026-11-22-csi-trend.png');
    const json = JSON.stringify(c.blocks);
    expect(json).toContain('96.2% of the period’s conversation-days scored (50 of 52), last analysis run 06:02');
    expect(json).toContain('Shop &lt;A&amp;B&gt;');
    expect(c.blocks.filter((b) => b.type === 'actions')).toEqual([
      { type: 'actions', block_id: 'digest_open_qa:41', elements: [expect.objectContaining({ action_id: 'qa_show', value: JSON.stringify({ sessionId: 41, version: 3 }) })] },
    ]);
    expect(c.explanation).toBe(templateExplanation(data()));
    expect(c.explanation).toContain('CSI rose to 72.4 (+2.4 against the week before). Effort moved most (+1.0).');
    expect(c.explanation).toContain('session 41');
  });

  it('the previous period is drawn day by day, gaps kept', () => {
    const trend = composeDigest(data()).charts[0]!.spec as { data: { values: { day: string; csi: number | null; series: string }[] } };
    const prev = trend.data.values.filter((v) => v.series === 'Previous period');
    expect(prev).toHaveLength(7);
    expect(prev.map((v) => v.csi)).toEqual([null, 69, null, null, null, null, null]);
  });

  it('sections leave out their figures and charts; an LLM explanation is used as given', () => {
    const c = composeDigest(data(), { sections: ['qa', 'topics'], explanation: 'Written by a model.' });
    expect(c.charts.map((x) => x.kind)).toEqual(['topics', 'qa_funnel']);
    const json = JSON.stringify(c.blocks);
    expect(json).toContain('QA waiting · issue rate');
    expect(json).not.toContain('*CSI*');
    expect(json).not.toContain('Written by a model.');
    expect(composeDigest(data(), { explanation: 'Written by a model.' }).explanation).toBe('Written by a model.');
  });

  it('no data reads as no data, never as zero or a direction', () => {
    const c = composeDigest(data({ csi: { ...data().csi, current: figures(null, 0), change: { csi: null, display: 'no data' }, groups: [] } }));
    expect(c.headline).toMatchObject({ csi: 'no data', direction: '' });
    expect(c.charts.map((x) => x.kind)).not.toContain('csi_trend');
    expect(c.explanation).toContain('No conversation-day of this week has a CSI yet.');
    expect(direction(-0.04)).toBe('■');
    expect(direction(-1)).toBe('▼');
    expect(issueRate({ unchecked: 9, passed: 0, issue: 0, fixed: 0 })).toBeNull();
    // a pipeline that last ran before the period ended says on which day
    const stale = composeDigest(data({ pipeline: { scoredDays: 10, conversationDays: 52, lastRunAt: new Date('2026-11-21T05:02:00Z') } }));
    expect(stale.headline.lastRun).toBe('Sat 21 Nov 06:02');
    expect(composeDigest(data({ pipeline: { scoredDays: 0, conversationDays: 0, lastRunAt: null } })).headline.lastRun).toBe('never');
  });
});
