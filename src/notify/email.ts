import type { Transporter } from 'nodemailer';

// Email out, behind one small interface: a Resend-compatible HTTP API (EMAIL_API_URL +
// EMAIL_API_KEY; POST /emails with {from, to, subject, html, text}, Bearer auth, the
// Idempotency-Key header so a retried request is sent once) or SMTP (SMTP_URL, nodemailer).
// Callers retry: a provider throws EmailError on any failure and never retries itself.

export interface EmailAttachment {
  filename: string;
  content: Buffer;
  contentType: string;
  /** set for inline images: the HTML refers to them as cid:<contentId> */
  contentId?: string;
}

export interface EmailMessage {
  to: string[];
  subject: string;
  html: string;
  text: string;
  /** the same key for every attempt at one email; the HTTP API sends it at most once per key */
  idempotencyKey?: string;
  attachments?: EmailAttachment[];
}

/** Resend's attachment shape: base64 content; content_id makes an inline (cid:) image. */
const apiAttachment = (a: EmailAttachment) => ({
  filename: a.filename,
  content: a.content.toString('base64'),
  content_type: a.contentType,
  ...(a.contentId ? { content_id: a.contentId } : {}),
});

export interface EmailSent {
  /** the provider's id for the email (Resend's `id`, SMTP's Message-ID) */
  id?: string;
}

export interface EmailProvider {
  /** 'http' (Resend-compatible API) or 'smtp' */
  kind: 'http' | 'smtp';
  send(message: EmailMessage): Promise<EmailSent>;
  close?(): void;
}

export class EmailError extends Error {
  constructor(
    message: string,
    /** HTTP status of the API's answer; undefined for network and SMTP errors */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EmailError';
  }
}

export interface HttpEmailOptions {
  /** the API's base URL (`https://api.resend.com`); `/emails` is appended unless already there */
  apiUrl: string;
  apiKey?: string;
  from: string;
  /** per request, default 10 s */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export function emailsEndpoint(apiUrl: string): string {
  const base = apiUrl.replace(/\/+$/, '');
  return base.endsWith('/emails') ? base : `${base}/emails`;
}

/** A Resend-compatible HTTP API (https://resend.com/docs/api-reference/emails/send-email). */
export function httpEmailProvider(opts: HttpEmailOptions): EmailProvider {
  const url = emailsEndpoint(opts.apiUrl);
  const doFetch = opts.fetch ?? fetch;
  return {
    kind: 'http',
    async send(m) {
      let res: Response;
      try {
        res = await doFetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}),
            ...(m.idempotencyKey ? { 'idempotency-key': m.idempotencyKey } : {}),
          },
          body: JSON.stringify({
            from: opts.from, to: m.to, subject: m.subject, html: m.html, text: m.text,
            ...(m.attachments?.length ? { attachments: m.attachments.map(apiAttachment) } : {}),
          }),
          signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
        });
      } catch (err) {
        throw new EmailError(`email API unreachable at ${url}: ${(err as Error).message}`, undefined, { cause: err });
      }
      const body = (await res.json().catch(() => undefined)) as { id?: unknown; message?: unknown; name?: unknown } | undefined;
      if (!res.ok) {
        const detail = typeof body?.message === 'string' ? body.message : res.statusText;
        throw new EmailError(`email API answered ${res.status}${typeof body?.name === 'string' ? ` ${body.name}` : ''}: ${detail}`, res.status);
      }
      return typeof body?.id === 'string' ? { id: body.id } : {};
    },
  };
}

/**
 * SMTP through nodemailer (`smtp://user:pass@host:587`, `smtps://…:465`), loaded with the first
 * email: the service's start-up does not pay for its modules.
 */
export function smtpEmailProvider(opts: { smtpUrl: string; from: string }): EmailProvider {
  let transport: Promise<Transporter> | undefined;
  const open = () => (transport ??= import('nodemailer').then((m) => m.default.createTransport(opts.smtpUrl)));
  return {
    kind: 'smtp',
    async send(m) {
      try {
        const info = await (await open()).sendMail({
          from: opts.from,
          to: m.to,
          subject: m.subject,
          html: m.html,
          text: m.text,
          ...(m.attachments?.length
            ? { attachments: m.attachments.map((a) => ({ filename: a.filename, content: a.content, contentType: a.contentType, ...(a.contentId ? { cid: a.contentId } : {}) })) }
            : {}),
          // Resend's SMTP relay honours this header like the API's Idempotency-Key
          ...(m.idempotencyKey ? { headers: { 'Resend-Idempotency-Key': m.idempotencyKey } } : {}),
        });
        return { id: info.messageId };
      } catch (err) {
        throw new EmailError(`SMTP send failed: ${(err as Error).message}`, undefined, { cause: err });
      }
    },
    close: () => void transport?.then((t) => t.close(), () => {}),
  };
}

/**
 * The configured provider, by the same rules as the startup log's email status
 * (src/domain/channels.ts): EMAIL_FROM is required; EMAIL_API_URL with EMAIL_API_KEY wins over
 * SMTP_URL; an API URL without its key is a misconfiguration, not a fallback to SMTP.
 */
export function emailProviderFromConfig(email: { apiUrl?: string; apiKey?: string; smtpUrl?: string; from?: string }): EmailProvider | undefined {
  if (!email.from) return undefined;
  if (email.apiUrl) return email.apiKey ? httpEmailProvider({ apiUrl: email.apiUrl, apiKey: email.apiKey, from: email.from }) : undefined;
  if (email.smtpUrl) return smtpEmailProvider({ smtpUrl: email.smtpUrl, from: email.from });
  return undefined;
}
