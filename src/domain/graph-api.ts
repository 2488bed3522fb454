// Meta's Graph API versions and the day each stops working (developers.facebook.com/docs/
// graph-api/changelog/versions, read December 2026). A call to an expired version is answered
// with the oldest available one, whose behaviour may differ, so validation warns ahead of time.
// Add a row when Meta publishes a version or an expiry date; undefined = not announced yet.

export const GRAPH_API_VERSIONS: Readonly<Record<string, { released: string; expires?: string }>> = {
  'v26.0': { released: '2026-07-29' },
  'v25.0': { released: '2026-02-18', expires: '2028-07-29' },
  'v24.0': { released: '2025-10-08', expires: '2028-02-18' },
  'v23.0': { released: '2025-05-29', expires: '2027-10-08' },
  'v22.0': { released: '2025-01-21', expires: '2027-05-20' },
  'v21.0': { released: '2024-10-02', expires: '2027-01-21' },
  'v20.0': { released: '2024-05-21', expires: '2026-09-24' },
  'v19.0': { released: '2024-01-23', expires: '2026-05-21' },
  'v18.0': { released: '2023-09-12', expires: '2026-01-26' },
  'v17.0': { released: '2023-05-23', expires: '2025-09-12' },
};

/** Warn this many days before the configured version expires. */
export const GRAPH_EXPIRY_WARNING_DAYS = 60;

export type GraphVersionState = 'current' | 'expiring' | 'expired' | 'unknown' | 'unversioned';

export interface GraphVersionStatus {
  state: GraphVersionState;
  /** e.g. "v21.0", when the URL names one */
  version?: string;
  expires?: string;
  /** days from `now` to the expiry, rounded up (0 or less once expired) */
  daysLeft?: number;
}

/** The version a Graph base URL names (its last path segment, e.g. https://graph.facebook.com/v21.0). */
export function graphVersionOf(apiUrl: string): string | undefined {
  const last = apiUrl.replace(/\/+$/, '').split('/').pop() ?? '';
  return /^v\d+\.\d+$/.test(last) ? last : undefined;
}

/** Where the configured version stands on `now`. */
export function graphVersionStatus(apiUrl: string, now: Date): GraphVersionStatus {
  const version = graphVersionOf(apiUrl);
  if (!version) return { state: 'unversioned' };
  const known = GRAPH_API_VERSIONS[version];
  if (!known) return { state: 'unknown', version };
  if (!known.expires) return { state: 'current', version };
  // the expiry date is the first day the version no longer answers (UTC)
  const msLeft = Date.parse(`${known.expires}T00:00:00Z`) - now.getTime();
  const daysLeft = Math.ceil(msLeft / 86_400_000);
  const state = msLeft <= 0 ? 'expired' : daysLeft <= GRAPH_EXPIRY_WARNING_DAYS ? 'expiring' : 'current';
  return { state, version, expires: known.expires, daysLeft };
}
