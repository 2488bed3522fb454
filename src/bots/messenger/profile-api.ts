import type { GraphError } from '../../domain/messenger/policy.ts';
import type { MessengerProfile, ProfileField } from '../../domain/messenger/profile.ts';

// The Messenger Profile API (POST / GET / DELETE /me/messenger_profile with a page access token),
// on MESSENGER_API_URL like the Send API, so tests point it at the fake Graph server.

export type ProfileCall = { ok: true; body: Record<string, unknown> } | { ok: false; error: GraphError };

export interface ProfileApi {
  set(token: string, profile: MessengerProfile): Promise<ProfileCall>;
  remove(token: string, fields: ProfileField[]): Promise<ProfileCall>;
  get(token: string, fields: readonly ProfileField[]): Promise<ProfileCall>;
}

export function createProfileApi(apiUrl: string, fetchImpl: typeof fetch = fetch): ProfileApi {
  const base = `${apiUrl.replace(/\/+$/, '')}/me/messenger_profile`;
  const call = async (method: string, token: string, query: string, body?: unknown): Promise<ProfileCall> => {
    const url = `${base}?${query}${query ? '&' : ''}access_token=${encodeURIComponent(token)}`;
    let res: Response;
    try {
      res = await fetchImpl(url, {
        method,
        signal: AbortSignal.timeout(15_000),
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
    } catch (err) {
      return { ok: false, error: { status: 0, message: (err as Error).message } };
    }
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    const e = json.error as { code?: number; error_subcode?: number; message?: string } | undefined;
    if (!res.ok || e) {
      return { ok: false, error: { status: res.status, ...(e?.code !== undefined ? { code: e.code } : {}), ...(e?.error_subcode !== undefined ? { subcode: e.error_subcode } : {}), ...(e?.message ? { message: e.message } : {}) } };
    }
    return { ok: true, body: json };
  };
  return {
    set: (token, profile) => call('POST', token, '', profile),
    remove: (token, fields) => call('DELETE', token, '', { fields }),
    get: (token, fields) => call('GET', token, `fields=${fields.join(',')}`),
  };
}
