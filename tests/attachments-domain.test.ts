import { describe, expect, it } from 'vitest';
import { contentMatches, customerFiles, fileNameOf, isAttachmentPlaceholder, planOutgoingFile, withExtension } from '../src/domain/messenger/attachments.ts';
import { trustedUrl } from '../src/notify/download.ts';

// The rules of issue 19 point 5 without I/O: which of a customer's attachments are forwarded and
// as what, and which agent files may go to a customer as which Messenger attachment type.

describe("a customer's attachments (webhook message.attachments[])", () => {
  it('media are forwarded as files, a shared link as a link; a location or a template without a URL is not', () => {
    const payload = {
      message: {
        mid: 'm_1',
        attachments: [
          { type: 'image', payload: { url: 'https://scontent.xx.fbcdn.net/v/t1.15752-9/4711_n.jpg?_nc_cat=1&oh=abc' } },
          { type: 'image', payload: { url: 'https://scontent.xx.fbcdn.net/v/t39.1997-6/sticker', sticker_id: 369239263222822 } },
          { type: 'fallback', payload: { url: 'https://example.com/order/55', title: 'Order 55' } },
          { type: 'location', payload: { coordinates: { lat: 1, long: 2 } } },
          { type: 'audio', payload: { url: 'https://cdn.fbsbx.com/v/t59.3654-21/audioclip-1700000000000-1234.mp4?dl=0' } },
          { type: 'template', payload: { template_type: 'generic' } },
        ],
      },
    };
    expect(customerFiles('m_1', payload)).toEqual([
      { key: 'in:m_1:0', kind: 'image', url: payload.message.attachments[0]!.payload.url, name: '4711_n.jpg' },
      { key: 'in:m_1:1', kind: 'image', url: payload.message.attachments[1]!.payload.url, name: 'image', title: 'sticker' },
      { key: 'in:m_1:2', kind: 'link', url: 'https://example.com/order/55', name: 'link', title: 'Order 55' },
      { key: 'in:m_1:4', kind: 'audio', url: payload.message.attachments[4]!.payload.url, name: 'audioclip-1700000000000-1234.mp4' },
    ]);
    expect(customerFiles('m_2', { message: { text: 'hi' } })).toEqual([]);
    expect(customerFiles('m_3', { postback: { payload: 'X' } })).toEqual([]);
  });

  it('names, extensions and content checks', () => {
    expect(fileNameOf('https://x.fbsbx.com/a/b/%E2%9C%93 report.pdf?x=1', 'file')).toBe('_ report.pdf');
    expect(fileNameOf('not a url', 'file')).toBe('file');
    expect(withExtension('image', 'image/png')).toBe('image.png');
    expect(withExtension('photo.jpg', 'image/png')).toBe('photo.jpg');
    expect(contentMatches('image', 'image/jpeg')).toBe(true);
    expect(contentMatches('image', 'text/html')).toBe(false);
    expect(contentMatches('video', 'audio/mpeg')).toBe(false);
    expect(contentMatches('file', 'application/zip')).toBe(true);
    expect(isAttachmentPlaceholder('[2 attachments]')).toBe(true);
    expect(isAttachmentPlaceholder('[1 attachment] and words')).toBe(false);
  });

  it('only Meta CDN hosts over https (or an origin the caller trusts) are downloaded', () => {
    const hosts = ['fbcdn.net', 'fbsbx.com'];
    expect(trustedUrl('https://scontent-ams2-1.xx.fbcdn.net/v/x.jpg', hosts, [])).toBe(true);
    expect(trustedUrl('https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1', hosts, [])).toBe(true);
    expect(trustedUrl('http://scontent.xx.fbcdn.net/x.jpg', hosts, [])).toBe(false);
    expect(trustedUrl('https://evilfbcdn.net/x.jpg', hosts, [])).toBe(false);
    expect(trustedUrl('http://127.0.0.1:4000/cdn/a/x.jpg', hosts, ['http://127.0.0.1:4000/v26.0'])).toBe(true);
    expect(trustedUrl('http://127.0.0.1:4001/cdn/a/x.jpg', hosts, ['http://127.0.0.1:4000/v26.0'])).toBe(false);
  });
});

describe("an agent's Slack file to the customer", () => {
  const file = { id: 'F1', name: 'label.png', mimetype: 'image/png', size: 1000, mode: 'hosted', url_private_download: 'https://files.slack.com/files-pri/T1-F1/download/label.png' };

  it('inline types as such, the rest as a file', () => {
    expect(planOutgoingFile(file)).toMatchObject({ ok: true, type: 'image', name: 'label.png', contentType: 'image/png' });
    expect(planOutgoingFile({ ...file, name: 'clip.mp4', mimetype: 'video/mp4' })).toMatchObject({ ok: true, type: 'video' });
    expect(planOutgoingFile({ ...file, name: 'note.m4a', mimetype: 'audio/mp4' })).toMatchObject({ ok: true, type: 'audio' });
    expect(planOutgoingFile({ ...file, name: 'scan.tiff', mimetype: 'image/tiff' })).toMatchObject({ ok: true, type: 'file' });
    expect(planOutgoingFile({ ...file, name: 'terms.pdf', mimetype: 'application/pdf' })).toMatchObject({ ok: true, type: 'file' });
  });

  it('refusals say why', () => {
    const reason = (f: Parameters<typeof planOutgoingFile>[0]) => {
      const p = planOutgoingFile(f);
      return p.ok ? 'sent' : p.reason;
    };
    expect(reason({ ...file, size: 26 * 1024 * 1024 })).toBe("it is 26 MB, over Messenger's 25 MB limit for a file");
    expect(reason({ ...file, size: 25 * 1024 * 1024 })).toBe('sent');
    expect(reason({ ...file, name: 'setup.exe', mimetype: 'application/x-msdownload' })).toBe('programs and scripts are not sent to customers');
    expect(reason({ id: 'F2', name: 'Specs', mode: 'external', is_external: true })).toMatch(/link to another service/);
    expect(reason({ id: 'F3', name: 'Plan', mode: 'canvas', url_private: 'https://x.slack.com/docs/T1/F3' })).toMatch(/canvases cannot be sent/);
    expect(reason({ id: 'F4', mode: 'tombstone' })).toBe('Slack no longer has this file');
    expect(reason({ id: 'F5', name: 'x.png' })).toBe('Slack gave no download link for it');
  });
});

describe('SLACK_FILE_MAX_MB', () => {
  it('defaults to 25 MB, takes whole megabytes 1-1024, and names itself when wrong', async () => {
    const { loadConfig } = await import('../src/config.ts');
    expect(loadConfig({}).handoffFiles.slackMaxBytes).toBe(25 * 1024 * 1024);
    expect(loadConfig({ SLACK_FILE_MAX_MB: '100' }).handoffFiles.slackMaxBytes).toBe(100 * 1024 * 1024);
    for (const bad of ['0', '2048', 'lots']) expect(() => loadConfig({ SLACK_FILE_MAX_MB: bad })).toThrow(/SLACK_FILE_MAX_MB/);
  });
});
