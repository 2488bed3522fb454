import pino from 'pino';

export type Logger = pino.Logger;

// Query parameters whose values are credentials: Meta's hub.verify_token, OAuth access_token,
// API keys, passwords, signatures. Their values never reach a log line; the rest of the URL
// stays as sent, so a request can still be recognised.
const SECRET_PARAM = /token|secret|passw|pwd|api_?key|^key$|_key$|signature|^sig$|^auth|credential|^code$/i;

/** The URL with the values of secret-looking query parameters replaced by [REDACTED]. */
export function redactQuery(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const redacted = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      let name = pair.slice(0, eq);
      try {
        name = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // a malformed escape: judge the name as written
      }
      return SECRET_PARAM.test(name) ? `${pair.slice(0, eq)}=[REDACTED]` : pair;
    })
    .join('&');
  return `${url.slice(0, q)}?${redacted}`;
}

interface RequestLike {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  headers?: Record<string, unknown>;
  socket?: { remotePort?: number };
}

/** Fastify's request serializer (same fields), with the URL's secrets redacted; pino's serializers override Fastify's. */
function req(r: RequestLike) {
  return {
    method: r.method,
    url: typeof r.url === 'string' ? redactQuery(r.url) : r.url,
    host: r.host,
    remoteAddress: r.ip,
    remotePort: r.socket?.remotePort,
  };
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { service: 'supportpulse' }, serializers: { req } }, destination);
}
