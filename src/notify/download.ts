// A capped, streamed download for attachments crossing between Messenger and Slack: the body is
// read chunk by chunk and abandoned as soon as it passes the cap (a declared Content-Length over
// the cap is refused before reading anything), so a large video never sits in memory whole.
// Only hosts the caller trusts are fetched: the URLs come from webhooks and events, and a bot
// token must never be sent anywhere but Slack.

export type Download =
  | { ok: true; bytes: Buffer; contentType: string }
  | { ok: false; reason: 'too_large'; bytes?: number }
  | { ok: false; reason: 'failed'; detail: string };

export interface DownloadOptions {
  maxBytes: number;
  headers?: Record<string, string>;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** Whether `url` is https on one of `hostSuffixes` (`fbcdn.net` matches `scontent.xx.fbcdn.net`) or on one of `origins`. */
export function trustedUrl(url: string, hostSuffixes: readonly string[], origins: readonly string[]): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (origins.some((o) => safeOrigin(o) === u.origin)) return true;
  if (u.protocol !== 'https:') return false;
  const host = u.hostname.toLowerCase();
  return hostSuffixes.some((s) => host === s || host.endsWith(`.${s}`));
}

function safeOrigin(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

export async function downloadCapped(url: string, o: DownloadOptions): Promise<Download> {
  let res: Response;
  try {
    res = await (o.fetch ?? fetch)(url, { headers: o.headers ?? {}, redirect: 'follow', signal: AbortSignal.timeout(o.timeoutMs ?? 60_000) });
  } catch (err) {
    return { ok: false, reason: 'failed', detail: (err as Error).message };
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    return { ok: false, reason: 'failed', detail: `HTTP ${res.status}` };
  }
  const contentType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > o.maxBytes) {
    await res.body?.cancel().catch(() => {});
    return { ok: false, reason: 'too_large', bytes: declared };
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    const reader = res.body?.getReader();
    if (!reader) return { ok: true, bytes: Buffer.alloc(0), contentType };
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > o.maxBytes) {
        await reader.cancel().catch(() => {});
        return { ok: false, reason: 'too_large' };
      }
      chunks.push(Buffer.from(value));
    }
  } catch (err) {
    return { ok: false, reason: 'failed', detail: (err as Error).message };
  }
  return { ok: true, bytes: Buffer.concat(chunks, total), contentType };
}
