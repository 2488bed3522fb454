import path from 'node:path';
import { z } from 'zod';

// The configuration contract (DESIGN.md §3). Every name here is an interface that
// operators and later features rely on: keep them as written.

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const optionalUrl = (what: string) =>
  z.preprocess(emptyToUndefined, z.url({ error: `expected ${what}` }).optional());
const port = (what: string) =>
  z.coerce
    .number({ error: `expected ${what}: an integer port 1-65535` })
    .int({ error: `expected ${what}: an integer port 1-65535` })
    .min(1, { error: `expected ${what}: an integer port 1-65535` })
    .max(65535, { error: `expected ${what}: an integer port 1-65535` });
const bool = z.preprocess(
  (v) => (typeof v === 'string' ? v.trim().toLowerCase() : v),
  z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' }).transform((v) => ['true', '1', 'yes'].includes(v)),
);
const csv = z.preprocess(emptyToUndefined, z.string().optional()).transform((v) =>
  v ? v.split(',').map((s) => s.trim()).filter(Boolean) : [],
);

/** CORS_ORIGINS: exact browser origins (scheme://host[:port]), as the Origin header carries them. */
const isOrigin = (o: string) => {
  try {
    return /^https?:$/.test(new URL(o).protocol) && new URL(o).origin === o;
  } catch {
    return false;
  }
};
const corsOrigins = csv
  .transform((list) => list.map((o) => o.replace(/\/$/, '')))
  .refine((list) => list.every(isOrigin), { error: 'expected CORS_ORIGINS: comma-separated origins such as https://ops.example.com (scheme, host and port only)' });

const postgresUrl = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .refine((v) => {
      try {
        const u = new URL(v);
        return (u.protocol === 'postgresql:' || u.protocol === 'postgres:') && u.hostname !== '';
      } catch {
        return false;
      }
    }, { error: 'expected a postgresql:// URL such as postgresql://user:pass@host:5432/db' })
    .optional(),
);

const timezone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, { error: 'expected an IANA timezone such as UTC or Europe/Berlin' });

// "pageId:token,pageId:token"
const pageTokens = z
  .preprocess(emptyToUndefined, z.string().optional())
  .refine((v) => v === undefined || v.split(',').every((p) => /^[^:\s]+:\S+$/.test(p.trim())), {
    error: 'expected pageId:token pairs separated by commas',
  })
  .transform((v) => {
    const map = new Map<string, string>();
    for (const pair of v ? v.split(',') : []) {
      const i = pair.indexOf(':');
      map.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
    }
    return map;
  });

/** An integer setting in [min, max]; `expected` says what it is when the value is not. */
const intIn = (min: number, max: number, expected: string) =>
  z.coerce
    .number({ error: expected })
    .int({ error: expected })
    .min(min, { error: expected })
    .max(max, { error: expected });
const positiveInt = (what: string, max: number) => intIn(1, max, `expected ${what}: an integer 1-${max}`);

// "effectiveness=0.35,effort=0.2,efficiency=0.2,empathy=0.25"; unnamed pillars keep defaults.
const PILLARS = ['effectiveness', 'effort', 'efficiency', 'empathy'] as const;
const csiWeights = z
  .preprocess(emptyToUndefined, z.string().optional())
  .refine(
    (v) =>
      v === undefined ||
      v.split(',').every((pair) => {
        const [k, w] = pair.split('=').map((s) => s.trim());
        return PILLARS.includes(k as (typeof PILLARS)[number]) && w !== undefined && w !== '' && Number.isFinite(Number(w)) && Number(w) >= 0;
      }),
    { error: `expected pillar=weight pairs separated by commas, pillars: ${PILLARS.join(', ')}` },
  )
  .transform((v) => {
    const weights: Partial<Record<(typeof PILLARS)[number], number>> = {};
    for (const pair of v ? v.split(',') : []) {
      const [k, w] = pair.split('=').map((s) => s.trim());
      weights[k as (typeof PILLARS)[number]] = Number(w);
    }
    return weights;
  });

// "error_logs=90,messenger_events=30": days to keep per table; messages only when named.
const RETAINABLE = ['error_logs', 'notification_logs', 'audit_logs', 'messenger_events', 'messenger_sends', 'scheduled_runs', 'validation_runs', 'alert_events', 'slack_deliveries', 'botframework_activities', 'handoff_files', 'messages'] as const;
export type RetainableTable = (typeof RETAINABLE)[number];
export const DEFAULT_RETENTION_DAYS: Partial<Record<RetainableTable, number>> = {
  messenger_events: 30,
  // a forwarded attachment's record only guards against a retried event posting it twice: no longer than the events
  handoff_files: 30,
  scheduled_runs: 30,
  slack_deliveries: 30,
  botframework_activities: 7,
  error_logs: 90,
  notification_logs: 90,
  validation_runs: 90,
};
const retention = z
  .preprocess(emptyToUndefined, z.string().optional())
  .refine(
    (v) =>
      v === undefined ||
      v.split(',').every((pair) => {
        const [k, d] = pair.split('=').map((x) => x.trim());
        return RETAINABLE.includes(k as RetainableTable) && d !== undefined && /^(\d+|never)$/.test(d) && (d === 'never' || Number(d) >= 1);
      }),
    { error: `expected table=days (or table=never) pairs separated by commas, tables: ${RETAINABLE.join(', ')}` },
  )
  .transform((v) => {
    const days: Partial<Record<RetainableTable, number | null>> = { ...DEFAULT_RETENTION_DAYS };
    for (const pair of v ? v.split(',') : []) {
      const [k, d] = pair.split('=').map((x) => x.trim());
      days[k as RetainableTable] = d === 'never' ? null : Number(d);
    }
    return days;
  });

const schema = z.object({
  PORT: port('PORT').default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: postgresUrl,
  DATA_DIR: z.string().min(1).default('./.data'),
  EMBEDDED_PG_PORT: port('EMBEDDED_PG_PORT').default(5433),
  DEMO_DATA: bool.default(true),
  BUSINESS_TIMEZONE: timezone.default('UTC'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalUrl('an http(s) URL of an OpenAI-compatible API'),
  LLM_MODEL: optionalString,
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_BOT_TOKEN: optionalString,
  SLACK_APP_TOKEN: optionalString,
  SLACK_API_URL: z.url({ error: 'expected an http(s) URL' }).default('https://slack.com/api/'),
  SLACK_AUTH_RETRY_MAX_SECONDS: positiveInt('SLACK_AUTH_RETRY_MAX_SECONDS', 3600).default(300),
  MESSENGER_APP_SECRET: optionalString,
  MESSENGER_VERIFY_TOKEN: optionalString,
  MESSENGER_PAGE_TOKENS: pageTokens,
  MESSENGER_API_URL: z.url({ error: 'expected an http(s) URL' }).default('https://graph.facebook.com/v26.0'),
  /** after a person writes to the customer from another inbox (Meta Business Suite, a CRM) the bot stays quiet this long */
  MESSENGER_HUMAN_PAUSE_MINUTES: intIn(0, 10_080, 'expected MESSENGER_HUMAN_PAUSE_MINUTES: an integer 0-10080').default(30),
  MICROSOFT_APP_ID: optionalString,
  MICROSOFT_APP_PASSWORD: optionalString,
  MICROSOFT_APP_TYPE: z.preprocess(emptyToUndefined, z.enum(['MultiTenant', 'SingleTenant'], { error: 'expected MultiTenant or SingleTenant' }).optional()),
  MICROSOFT_APP_TENANT_ID: optionalString,
  BOTFRAMEWORK_ALLOW_ANONYMOUS: bool.default(false),
  BOTFRAMEWORK_RATE_LIMIT_PER_MINUTE: positiveInt('BOTFRAMEWORK_RATE_LIMIT_PER_MINUTE', 100_000).default(60),
  EMAIL_API_URL: optionalUrl('an http(s) URL of a Resend-compatible email API'),
  EMAIL_API_KEY: optionalString,
  SMTP_URL: optionalUrl('an smtp:// or smtps:// URL'),
  EMAIL_FROM: optionalString,
  QA_EMAIL_TO: csv,
  ADMIN_SLACK_IDS: csv,
  QA_CHANNEL: optionalString,
  HANDOFF_CHANNEL: optionalString,
  ALERTS_CHANNEL: optionalString,
  ANALYSIS_BATCH_SIZE: positiveInt('ANALYSIS_BATCH_SIZE', 10_000).default(500),
  ANALYSIS_CONCURRENCY: positiveInt('ANALYSIS_CONCURRENCY', 64).default(4),
  ANALYSIS_MAX_ATTEMPTS: positiveInt('ANALYSIS_MAX_ATTEMPTS', 20).default(4),
  ANALYSIS_JOB_TIMEOUT_SECONDS: positiveInt('ANALYSIS_JOB_TIMEOUT_SECONDS', 86_400).default(300),
  CSI_WEIGHTS: csiWeights,
  UPLOAD_MAX_MB: positiveInt('UPLOAD_MAX_MB', 100_000).default(512),
  UPLOADS_PER_MINUTE: positiveInt('UPLOADS_PER_MINUTE', 10_000).default(10),
  UPLOAD_CONCURRENCY: positiveInt('UPLOAD_CONCURRENCY', 64).default(2),
  INGEST_MAX_MESSAGES: positiveInt('INGEST_MAX_MESSAGES', 10_000).default(1_000),
  CORS_ORIGINS: corsOrigins,
  CUSTOMER_AGENT_LLM: bool.default(false),
  SCHEDULER_ENABLED: bool.default(true),
  SCHEDULER_CATCH_UP: intIn(0, 1, 'expected SCHEDULER_CATCH_UP: 0 or 1 missed runs to catch up after downtime').default(1),
  RETENTION_DAYS: retention,
  ASSISTANT_MIN_ROLE: z.preprocess(
    (v) => (typeof v === 'string' ? emptyToUndefined(v.trim().toLowerCase()) : v),
    z.enum(['admin', 'lead', 'qa', 'developer', 'agent'], { error: 'expected one of admin, lead, qa, developer, agent (unset: anyone may ask)' }).optional(),
  ),
  /** a customer's attachment larger than this is linked in the handoff thread instead of uploaded to Slack */
  SLACK_FILE_MAX_MB: positiveInt('SLACK_FILE_MAX_MB', 1024).default(25),
  CSAT_SURVEY: bool.default(true),
  CSAT_DELAY_MINUTES: intIn(1, 1_380, 'expected CSAT_DELAY_MINUTES: an integer 1-1380 (minutes of customer silence after our last reply)').default(30),
});

type Env = z.output<typeof schema>;

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  embeddedPgPort: number;
  demoData: boolean;
  businessTimezone: string;
  logLevel: Env['LOG_LEVEL'];
  llm: { apiKey?: string; baseUrl?: string; model?: string };
  /** authRetryMaxSeconds: the longest wait between start-up auth.test retries while Slack is unavailable */
  slack: { signingSecret?: string; botToken?: string; appToken?: string; apiUrl: string; authRetryMaxSeconds: number };
  messenger: { appSecret?: string; verifyToken?: string; pageTokens: Map<string, string>; apiUrl: string; humanPauseMinutes: number };
  /**
   * allowAnonymous: local (unauthenticated) mode on a HOST that is not loopback;
   * ratePerMinute: activities accepted per caller per minute on /api/messages
   */
  botFramework: { appId?: string; appPassword?: string; appType?: 'MultiTenant' | 'SingleTenant'; tenantId?: string; allowAnonymous: boolean; ratePerMinute: number };
  /** qaTo (QA_EMAIL_TO): addresses that get every QA issue email, besides the developers */
  email: { apiUrl?: string; apiKey?: string; smtpUrl?: string; from?: string; qaTo: string[] };
  adminSlackIds: string[];
  channels: { qa?: string; handoff?: string; alerts?: string };
  analysis: { batchSize: number; concurrency: number; maxAttempts: number; jobTimeoutSeconds: number };
  csiWeights: Partial<Record<'effectiveness' | 'effort' | 'efficiency' | 'empathy', number>>;
  uploadMaxBytes: number;
  /** UPLOADS_PER_MINUTE (per API token) and UPLOAD_CONCURRENCY (received or imported at once) */
  uploads: { perMinute: number; concurrency: number };
  /** INGEST_MAX_MESSAGES: messages one POST /api/ingest/messages may carry */
  ingestMaxMessages: number;
  /** CORS_ORIGINS: browser origins allowed to call the API; empty = no CORS headers */
  corsOrigins: string[];
  /** ASSISTANT_MIN_ROLE: the lowest role that may ask aggregate analytics; undefined = anyone */
  assistantMinRole: 'admin' | 'lead' | 'qa' | 'developer' | 'agent' | undefined;
  /** CUSTOMER_AGENT_LLM: customer replies written by the LLM (needs OPENAI_API_KEY); else templates */
  customerAgentLlm: boolean;
  /** SCHEDULER_ENABLED / SCHEDULER_CATCH_UP: cron digests, alerts, validation, retention */
  scheduler: { enabled: boolean; catchUp: number };
  /** RETENTION_DAYS: days kept per table; null or absent = kept forever (messages by default) */
  retentionDays: Partial<Record<RetainableTable, number | null>>;
  /** SLACK_FILE_MAX_MB: customers' attachments up to this size are uploaded into handoff threads, larger ones linked */
  handoffFiles: { slackMaxBytes: number };
  /** CSAT_SURVEY / CSAT_DELAY_MINUTES: the 1–5 survey after a resolved Messenger session (jobs/csat) */
  csat: { survey: boolean; delayMinutes: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; expected: string }[]) {
    super(
      'Invalid configuration:\n' +
        problems.map((p) => `  ${p.variable}: ${p.expected}`).join('\n') +
        '\nFix these environment variables (see .env.example) and start again.',
    );
    this.name = 'ConfigError';
  }
}

/** Parses the environment once; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const seen = new Map<string, string>();
    for (const issue of parsed.error.issues) {
      const variable = String(issue.path[0] ?? '(environment)');
      if (!seen.has(variable)) seen.set(variable, `${issue.message} (got ${JSON.stringify(env[variable] ?? '')})`);
    }
    throw new ConfigError([...seen].map(([variable, expected]) => ({ variable, expected })));
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(cwd, e.DATA_DIR),
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    demoData: e.DEMO_DATA,
    businessTimezone: e.BUSINESS_TIMEZONE,
    logLevel: e.LOG_LEVEL,
    llm: { apiKey: e.OPENAI_API_KEY, baseUrl: e.OPENAI_BASE_URL, model: e.LLM_MODEL },
    slack: { signingSecret: e.SLACK_SIGNING_SECRET, botToken: e.SLACK_BOT_TOKEN, appToken: e.SLACK_APP_TOKEN, apiUrl: e.SLACK_API_URL, authRetryMaxSeconds: e.SLACK_AUTH_RETRY_MAX_SECONDS },
    messenger: { appSecret: e.MESSENGER_APP_SECRET, verifyToken: e.MESSENGER_VERIFY_TOKEN, pageTokens: e.MESSENGER_PAGE_TOKENS, apiUrl: e.MESSENGER_API_URL, humanPauseMinutes: e.MESSENGER_HUMAN_PAUSE_MINUTES },
    botFramework: {
      appId: e.MICROSOFT_APP_ID,
      appPassword: e.MICROSOFT_APP_PASSWORD,
      ...(e.MICROSOFT_APP_TYPE ? { appType: e.MICROSOFT_APP_TYPE } : {}),
      ...(e.MICROSOFT_APP_TENANT_ID ? { tenantId: e.MICROSOFT_APP_TENANT_ID } : {}),
      allowAnonymous: e.BOTFRAMEWORK_ALLOW_ANONYMOUS,
      ratePerMinute: e.BOTFRAMEWORK_RATE_LIMIT_PER_MINUTE,
    },
    email: { apiUrl: e.EMAIL_API_URL, apiKey: e.EMAIL_API_KEY, smtpUrl: e.SMTP_URL, from: e.EMAIL_FROM, qaTo: e.QA_EMAIL_TO },
    adminSlackIds: e.ADMIN_SLACK_IDS,
    channels: { qa: e.QA_CHANNEL, handoff: e.HANDOFF_CHANNEL, alerts: e.ALERTS_CHANNEL },
    analysis: {
      batchSize: e.ANALYSIS_BATCH_SIZE,
      concurrency: e.ANALYSIS_CONCURRENCY,
      maxAttempts: e.ANALYSIS_MAX_ATTEMPTS,
      jobTimeoutSeconds: e.ANALYSIS_JOB_TIMEOUT_SECONDS,
    },
    csiWeights: e.CSI_WEIGHTS,
    uploadMaxBytes: e.UPLOAD_MAX_MB * 1024 * 1024,
    uploads: { perMinute: e.UPLOADS_PER_MINUTE, concurrency: e.UPLOAD_CONCURRENCY },
    ingestMaxMessages: e.INGEST_MAX_MESSAGES,
    corsOrigins: e.CORS_ORIGINS,
    assistantMinRole: e.ASSISTANT_MIN_ROLE,
    customerAgentLlm: e.CUSTOMER_AGENT_LLM,
    scheduler: { enabled: e.SCHEDULER_ENABLED, catchUp: e.SCHEDULER_CATCH_UP },
    retentionDays: e.RETENTION_DAYS,
    handoffFiles: { slackMaxBytes: e.SLACK_FILE_MAX_MB * 1024 * 1024 },
    csat: { survey: e.CSAT_SURVEY, delayMinutes: e.CSAT_DELAY_MINUTES },
  };
}
