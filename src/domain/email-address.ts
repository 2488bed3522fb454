// A person's own email address as typed in Slack or on the command line. Pure.
// Only a plain address is accepted (no display name, no list, no comments): it is what the
// notify worker puts in `to`, and a "Name <a@b>" or "a@b, c@d" would reach someone else or
// no one. The domain is lower-cased (domains are case-insensitive); the local part is kept as
// typed, since a mail server may treat its case as meaningful.

/** RFC 5321: at most 254 characters in a path, 64 in the local part. */
const MAX_LENGTH = 254;
const LOCAL_MAX = 64;

// dot-atom local part (the characters RFC 5322 allows unquoted) and a dotted domain of
// letter/digit/hyphen labels with a top-level label of at least two letters
const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export type EmailParse = { ok: true; address: string } | { ok: false; problem: string };

/**
 * Reads one address. Slack may send a typed address as a link (`<mailto:a@b.com|a@b.com>`)
 * when the command escapes links; that form is read as the address it links to.
 */
export function parseEmailAddress(input: string): EmailParse {
  let v = input.trim();
  const link = /^<mailto:([^|>]+)(?:\|[^>]*)?>$/i.exec(v);
  if (link) v = link[1]!.trim();
  const shown = v.length > 60 ? `${v.slice(0, 60)}…` : v;
  if (!v) return { ok: false, problem: 'Which address? For example `jane.doe@example.com`.' };
  if (/[\s,;<>()"]/.test(v)) return { ok: false, problem: `\`${shown}\` is not one plain address: write only the address, e.g. \`jane.doe@example.com\`.` };
  const at = v.lastIndexOf('@');
  if (at < 1 || at === v.length - 1 || v.indexOf('@') !== at) return { ok: false, problem: `\`${shown}\` is not an email address: it needs one @ between a name and a domain, e.g. \`jane.doe@example.com\`.` };
  const local = v.slice(0, at);
  const domain = v.slice(at + 1).toLowerCase();
  if (v.length > MAX_LENGTH || local.length > LOCAL_MAX) return { ok: false, problem: `\`${shown}\` is too long for an email address.` };
  if (!LOCAL.test(local)) return { ok: false, problem: `\`${shown}\` is not an email address: the part before @ has characters or dots an address cannot have.` };
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l)) || !/^(?:[a-z]{2,}|xn--[a-z0-9-]+)$/.test(labels.at(-1)!)) {
    return { ok: false, problem: `\`${shown}\` is not an email address: \`${domain}\` is not a domain like \`example.com\`.` };
  }
  return { ok: true, address: `${local}@${domain}` };
}
