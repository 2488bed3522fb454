import type { ComposedDigest } from '../../domain/digest.ts';
import type { EmailAttachment, EmailMessage } from '../../notify/email.ts';

// The email form of a digest: HTML with the charts inline (cid: references to attachments),
// a plain-text part, and the headline figures as a CSV attachment.

/** An EmailMessage with attachments (inline chart images and the CSV). */
export interface DigestEmailMessage extends EmailMessage {
  attachments: EmailAttachment[];
}

const html = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const csvCell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

const ROWS: [string, keyof ComposedDigest['headline']][] = [
  ['CSI', 'csi'], ['CSI change', 'csiChange'], ['Conversations', 'conversations'], ['Messages', 'messages'],
  ['First response median', 'firstResponseP50'], ['First response p90', 'firstResponseP90'], ['Bot containment', 'botContainment'],
  ['Handoff rate', 'handoffRate'], ['QA waiting', 'qaWaiting'], ['QA issue rate', 'issueRate'], ['Scored conversation-days', 'coverage'],
  ['Last analysis run', 'lastRun'],
];

export function digestCsv(d: ComposedDigest): string {
  return ['figure,value', ...ROWS.map(([label, k]) => `${csvCell(label)},${csvCell(d.headline[k])}`)].join('\r\n') + '\r\n';
}

export function digestEmail(d: ComposedDigest, pngs: readonly Buffer[], o: { to: string[]; idempotencyKey?: string }): DigestEmailMessage {
  const images = d.charts.slice(0, pngs.length).map((c, i) => ({ chart: c, cid: `chart-${i + 1}@supportpulse`, png: pngs[i]! }));
  const body = [
    `<h2 style="font-family:sans-serif">${html(d.title)}</h2>`,
    '<table style="font-family:sans-serif;border-collapse:collapse">',
    ...ROWS.map(([label, k]) => `<tr><td style="padding:2px 12px 2px 0">${html(label)}</td><td><b>${html(d.headline[k])}</b></td></tr>`),
    '</table>',
    `<p style="font-family:sans-serif">${html(d.explanation)}</p>`,
    ...images.map((x) => `<p><img src="cid:${x.cid}" alt="${html(x.chart.title)}" width="560" style="max-width:100%"></p>`),
  ].join('\n');
  const text = `${d.text}\n\n${d.explanation}\n`;
  return {
    to: o.to,
    subject: d.title,
    html: `<!doctype html><html><body>${body}</body></html>`,
    text,
    ...(o.idempotencyKey ? { idempotencyKey: o.idempotencyKey } : {}),
    attachments: [
      ...images.map((x) => ({ filename: x.chart.filename, content: x.png, contentType: 'image/png', contentId: x.cid })),
      { filename: 'digest.csv', content: Buffer.from(digestCsv(d), 'utf8'), contentType: 'text/csv' },
    ],
  };
}
