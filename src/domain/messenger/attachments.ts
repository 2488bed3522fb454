// Attachments crossing between Messenger and the Slack handoff thread (issue 19, point 5): which
// of a customer's attachments can be forwarded, what they are called, and whether an agent's
// Slack file may go to the customer. Pure: no I/O.
//
// Meta's webhook: message.attachments[] = { type: image | video | audio | file | fallback |
// template | location…, payload: { url?, title?, sticker_id? } }; media URLs are signed CDN links
// that expire after a while. The Send API takes image, video, audio and file attachments up to
// 25 MB (https://developers.facebook.com/docs/messenger-platform/send-messages/saving-assets).

/** Meta's limit for an attachment sent to a customer. */
export const MESSENGER_FILE_MAX_BYTES = 25 * 1024 * 1024;

export type MediaKind = 'image' | 'video' | 'audio' | 'file';
const MEDIA: readonly string[] = ['image', 'video', 'audio', 'file'];

/** One attachment of a customer's message, as it is forwarded into the handoff thread. */
export interface CustomerFile {
  /** `in:<event key>:<index>`: the same attachment of the same message is forwarded once */
  key: string;
  /** a media kind is downloaded and uploaded; `link` (a shared link, Meta's `fallback`) is posted as a link */
  kind: MediaKind | 'link';
  url: string;
  /** a file name for Slack: from the URL, else `<kind>` (an extension is added from the content type) */
  name: string;
  /** a shared link's title, a sticker's mark */
  title?: string;
}

type RawAttachment = { type?: unknown; payload?: { url?: unknown; title?: unknown; sticker_id?: unknown } | null; title?: unknown; url?: unknown };

/** A customer's forwardable attachments in a stored webhook event (`messaging[]` item). */
export function customerFiles(eventKey: string, payload: unknown): CustomerFile[] {
  const list = (payload as { message?: { attachments?: unknown } } | null)?.message?.attachments;
  if (!Array.isArray(list)) return [];
  const out: CustomerFile[] = [];
  list.forEach((raw: unknown, i) => {
    const a = (raw ?? {}) as RawAttachment;
    const type = typeof a.type === 'string' ? a.type : '';
    const url = typeof a.payload?.url === 'string' ? a.payload.url : typeof a.url === 'string' ? a.url : undefined;
    if (!url || !/^https?:\/\//i.test(url)) return; // a location or a template carries nothing to fetch
    const title = typeof a.payload?.title === 'string' ? a.payload.title : typeof a.title === 'string' ? a.title : undefined;
    const kind: CustomerFile['kind'] = MEDIA.includes(type) ? (type as MediaKind) : 'link';
    const sticker = a.payload?.sticker_id !== undefined && a.payload.sticker_id !== null;
    out.push({
      key: `in:${eventKey}:${i}`,
      kind,
      url,
      name: fileNameOf(url, kind === 'link' ? 'link' : kind),
      ...(title ? { title } : sticker ? { title: 'sticker' } : {}),
    });
  });
  return out;
}

/** The reply worker's stand-in text for a message with attachments and no words. */
export const isAttachmentPlaceholder = (text: string): boolean => /^\[\d+ attachments?\]$/.test(text.trim());

/** The last path segment of a URL when it looks like a file name, else the fallback. */
export function fileNameOf(url: string, fallback: string): string {
  let last = '';
  try {
    last = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
  } catch {
    last = '';
  }
  const clean = last.replace(/[^\w.\- ]+/g, '_').slice(-120);
  return /\.[A-Za-z0-9]{1,8}$/.test(clean) && clean.length > 2 ? clean : fallback;
}

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg', 'image/png': 'png', 'image/gif': 'gif', 'image/webp': 'webp', 'video/mp4': 'mp4', 'video/quicktime': 'mov',
  'audio/mpeg': 'mp3', 'audio/mp4': 'm4a', 'audio/aac': 'aac', 'audio/wav': 'wav', 'audio/ogg': 'ogg', 'application/pdf': 'pdf',
};

/** `name` with an extension matching the content type when it has none. */
export function withExtension(name: string, contentType: string): string {
  if (/\.[A-Za-z0-9]{1,8}$/.test(name)) return name;
  const ext = EXTENSIONS[contentType.toLowerCase()];
  return ext ? `${name}.${ext}` : name;
}

/**
 * Whether a downloaded body is what the attachment says it is: an image must be image/*, and so
 * on; a file may be anything but a web page (Meta's CDN answers an HTML page for an expired link).
 */
export function contentMatches(kind: MediaKind, contentType: string): boolean {
  const t = contentType.toLowerCase();
  if (t === 'text/html' || t === 'application/xhtml+xml') return false;
  if (kind === 'file') return true;
  // Meta serves some media as application/octet-stream: let it through rather than refuse a real photo
  return t.startsWith(`${kind}/`) || t === 'application/octet-stream' || t === '';
}

/** Human-readable size: 1.5 MB, 820 KB. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}

/** What Slack tells about a file shared in a message (message event `files[]`). */
export interface SlackFileInfo {
  id: string;
  name?: string;
  mimetype?: string;
  size?: number;
  mode?: string;
  url_private_download?: string;
  url_private?: string;
  is_external?: boolean;
}

export type OutgoingFilePlan =
  | { ok: true; type: MediaKind; url: string; name: string; contentType: string; size?: number }
  | { ok: false; reason: string };

// Types Messenger shows inline; anything else goes as a plain file.
const INLINE: Record<Exclude<MediaKind, 'file'>, readonly string[]> = {
  image: ['image/jpeg', 'image/png', 'image/gif'],
  video: ['video/mp4'],
  audio: ['audio/mpeg', 'audio/mp3', 'audio/mp4', 'audio/aac', 'audio/wav', 'audio/x-wav', 'audio/ogg'],
};
// Programs are never sent to customers (and Messenger blocks them).
const EXECUTABLE = /\.(exe|msi|bat|cmd|com|scr|ps1|vbs|js|jar|apk|dmg|sh)$/i;

/** Whether an agent's Slack file may be sent to the customer, and as which attachment type. */
export function planOutgoingFile(f: SlackFileInfo, maxBytes = MESSENGER_FILE_MAX_BYTES): OutgoingFilePlan {
  const name = (f.name ?? f.id).trim() || f.id;
  const url = f.url_private_download ?? f.url_private;
  if (f.mode === 'tombstone' || f.mode === 'hidden_by_limit') return { ok: false, reason: 'Slack no longer has this file' };
  if (f.is_external || f.mode === 'external') return { ok: false, reason: 'it is a link to another service (Google Drive, Dropbox…), not a file Slack holds: send the link as text instead' };
  if (f.mode === 'post' || f.mode === 'canvas' || f.mode === 'quip') return { ok: false, reason: 'Slack posts and canvases cannot be sent to Messenger: export it as a PDF first' };
  if (!url) return { ok: false, reason: 'Slack gave no download link for it' };
  if (EXECUTABLE.test(name)) return { ok: false, reason: 'programs and scripts are not sent to customers' };
  if (typeof f.size === 'number' && f.size > maxBytes) return { ok: false, reason: `it is ${formatBytes(f.size)}, over Messenger's ${formatBytes(maxBytes)} limit for a file` };
  const contentType = (f.mimetype ?? 'application/octet-stream').toLowerCase();
  const type = (Object.keys(INLINE) as (keyof typeof INLINE)[]).find((k) => INLINE[k].includes(contentType)) ?? 'file';
  return { ok: true, type, url, name, contentType, ...(typeof f.size === 'number' ? { size: f.size } : {}) };
}
