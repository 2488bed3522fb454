// The Messenger profile of a page (Get Started button, greeting, persistent menu, ice breakers),
// as the checked-in file messenger/profile.json states it: one `default` profile and optional
// per-page overrides keyed by Facebook page id. `pulse messenger profile apply` sends it through
// the Messenger Profile API; these rules refuse what Meta would refuse, before any call, with the
// path of the faulty field, so an admin fixes the file instead of reading Graph errors.
// Limits from Meta's Messenger Profile API reference (greeting 160 characters, 4 ice breakers,
// 20 flat menu items of 30-character titles, a default locale in every localised list).

export const PROFILE_FIELDS = ['get_started', 'greeting', 'persistent_menu', 'ice_breakers'] as const;
export type ProfileField = (typeof PROFILE_FIELDS)[number];

export interface MenuItem {
  type: 'postback' | 'web_url';
  title: string;
  payload?: string;
  url?: string;
  webview_height_ratio?: 'compact' | 'tall' | 'full';
}

export interface MessengerProfile {
  get_started?: { payload: string };
  greeting?: { locale: string; text: string }[];
  persistent_menu?: { locale: string; composer_input_disabled?: boolean; call_to_actions: MenuItem[] }[];
  ice_breakers?: { locale: string; call_to_actions: { question: string; payload: string }[] }[];
}

/** A field set to null in the file is removed from the page's profile (DELETE). */
export type ProfileSpec = { [K in ProfileField]?: MessengerProfile[K] | null };

export interface ProfileFile {
  default: ProfileSpec;
  pages: Record<string, ProfileSpec>;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: string[] };

const LIMITS = { greeting: 160, menuItems: 20, menuTitle: 30, iceBreakers: 4, payload: 1000 } as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';
const httpsUrl = (v: unknown): boolean => {
  if (typeof v !== 'string') return false;
  try {
    return new URL(v).protocol === 'https:';
  } catch {
    return false;
  }
};

/** The file as read (JSON.parse'd): its structure and every field checked. */
export function parseProfileFile(json: unknown): Parsed<ProfileFile> {
  const errors: string[] = [];
  if (!isObject(json)) return { ok: false, errors: ['the file must be a JSON object with "default" and optionally "pages"'] };
  const unknownTop = Object.keys(json).filter((k) => k !== 'default' && k !== 'pages' && k !== '$comment');
  if (unknownTop.length > 0) errors.push(`unknown key(s) ${unknownTop.map((k) => `"${k}"`).join(', ')}: expected "default" and "pages"`);
  const def = json.default ?? {};
  if (!isObject(def)) errors.push('"default" must be an object');
  else checkSpec(def, 'default', errors);
  const pages = json.pages ?? {};
  if (!isObject(pages)) errors.push('"pages" must be an object keyed by Facebook page id');
  else {
    for (const [id, spec] of Object.entries(pages)) {
      if (!/^\d+$/.test(id)) errors.push(`pages."${id}": a page is named by its numeric Facebook page id`);
      if (!isObject(spec)) errors.push(`pages.${id} must be an object`);
      else checkSpec(spec, `pages.${id}`, errors);
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { default: def as ProfileSpec, pages: pages as Record<string, ProfileSpec> } };
}

/** What a page gets: the default with the page's own fields over it; a menu needs Get Started. */
export function profileFor(file: ProfileFile, pageId: string): Parsed<ProfileSpec> {
  const spec: ProfileSpec = { ...file.default, ...(file.pages[pageId] ?? {}) };
  if (spec.persistent_menu && !spec.get_started) {
    return { ok: false, errors: [`page ${pageId}: a persistent menu needs a Get Started button (get_started), as Meta requires`] };
  }
  return { ok: true, value: spec };
}

/** The body of the POST (fields to set) and of the DELETE (fields set to null). */
export function profileRequests(spec: ProfileSpec): { set: MessengerProfile; remove: ProfileField[] } {
  const set: Record<string, unknown> = {};
  const remove: ProfileField[] = [];
  for (const f of PROFILE_FIELDS) {
    if (spec[f] === null) remove.push(f);
    else if (spec[f] !== undefined) set[f] = spec[f];
  }
  return { set: set as MessengerProfile, remove };
}

function checkSpec(spec: Record<string, unknown>, at: string, errors: string[]): void {
  for (const key of Object.keys(spec)) {
    if (!(PROFILE_FIELDS as readonly string[]).includes(key)) errors.push(`${at}.${key}: not a profile field this command sets (${PROFILE_FIELDS.join(', ')})`);
  }
  if (spec.get_started != null) checkGetStarted(spec.get_started, `${at}.get_started`, errors);
  if (spec.greeting != null) checkGreeting(spec.greeting, `${at}.greeting`, errors);
  if (spec.persistent_menu != null) checkMenu(spec.persistent_menu, `${at}.persistent_menu`, errors);
  if (spec.ice_breakers != null) checkIceBreakers(spec.ice_breakers, `${at}.ice_breakers`, errors);
}

function checkGetStarted(v: unknown, at: string, errors: string[]): void {
  if (!isObject(v) || !nonEmpty(v.payload)) errors.push(`${at}: expected {"payload": "<text>"}`);
  else if (v.payload.length > LIMITS.payload) errors.push(`${at}.payload: at most ${LIMITS.payload} characters`);
}

/** A localised list: an array of objects with a locale, one of them "default", none twice. */
function checkLocales(v: unknown, at: string, errors: string[]): v is Record<string, unknown>[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every(isObject)) {
    errors.push(`${at}: expected a non-empty array of objects, each with a "locale"`);
    return false;
  }
  const locales = v.map((x) => x.locale);
  if (!locales.includes('default')) errors.push(`${at}: one entry must have "locale": "default"`);
  locales.forEach((l, i) => {
    if (!nonEmpty(l) || !/^(default|[a-z]{2}_[A-Z]{2})$/.test(l)) errors.push(`${at}[${i}].locale: "default" or a locale like "en_US"`);
    else if (locales.indexOf(l) !== i) errors.push(`${at}[${i}].locale: "${l}" appears twice`);
  });
  return true;
}

function checkGreeting(v: unknown, at: string, errors: string[]): void {
  if (!checkLocales(v, at, errors)) return;
  v.forEach((g, i) => {
    if (!nonEmpty(g.text)) errors.push(`${at}[${i}].text: required`);
    else if (g.text.length > LIMITS.greeting) errors.push(`${at}[${i}].text: at most ${LIMITS.greeting} characters (has ${g.text.length})`);
  });
}

function checkMenu(v: unknown, at: string, errors: string[]): void {
  if (!checkLocales(v, at, errors)) return;
  v.forEach((m, i) => {
    const items = m.call_to_actions;
    if (m.composer_input_disabled !== undefined && typeof m.composer_input_disabled !== 'boolean') errors.push(`${at}[${i}].composer_input_disabled: true or false`);
    if (!Array.isArray(items) || items.length === 0) {
      errors.push(`${at}[${i}].call_to_actions: a non-empty array`);
      return;
    }
    if (items.length > LIMITS.menuItems) errors.push(`${at}[${i}].call_to_actions: at most ${LIMITS.menuItems} items (menus are flat since Graph API v8.0)`);
    items.forEach((item: unknown, j: number) => checkMenuItem(item, `${at}[${i}].call_to_actions[${j}]`, errors));
  });
}

function checkMenuItem(item: unknown, at: string, errors: string[]): void {
  if (!isObject(item)) {
    errors.push(`${at}: expected an object`);
    return;
  }
  if (!nonEmpty(item.title)) errors.push(`${at}.title: required`);
  else if (item.title.length > LIMITS.menuTitle) errors.push(`${at}.title: at most ${LIMITS.menuTitle} characters`);
  if (item.type === 'postback') {
    if (!nonEmpty(item.payload)) errors.push(`${at}.payload: required for a postback item`);
    else if (item.payload.length > LIMITS.payload) errors.push(`${at}.payload: at most ${LIMITS.payload} characters`);
  } else if (item.type === 'web_url') {
    if (!httpsUrl(item.url)) errors.push(`${at}.url: an https URL is required for a web_url item`);
  } else errors.push(`${at}.type: "postback" or "web_url" (nested menus were removed in Graph API v8.0)`);
}

function checkIceBreakers(v: unknown, at: string, errors: string[]): void {
  if (!checkLocales(v, at, errors)) return;
  v.forEach((b, i) => {
    const qs = b.call_to_actions;
    if (!Array.isArray(qs) || qs.length === 0) {
      errors.push(`${at}[${i}].call_to_actions: a non-empty array of {question, payload}`);
      return;
    }
    if (qs.length > LIMITS.iceBreakers) errors.push(`${at}[${i}].call_to_actions: at most ${LIMITS.iceBreakers} questions`);
    qs.forEach((q: unknown, j: number) => {
      const p = `${at}[${i}].call_to_actions[${j}]`;
      if (!isObject(q) || !nonEmpty(q.question) || !nonEmpty(q.payload)) errors.push(`${p}: expected {"question", "payload"}`);
    });
  });
}
