// The shape every format reader produces: one validated message ready for the loader, or
// one rejected row with where it was and why.

export type Direction = 'to_company' | 'to_client';
export type SenderKind = 'customer' | 'bot' | 'human_agent';

export interface ImportRow {
  /** conversations.fb_chat_id */
  chatKey: string;
  /** the source's message id, or a content hash (see contentMid) */
  mid: string;
  direction: Direction;
  senderKind: SenderKind;
  text: string | null;
  /** serialised JSON (or null): serialised once, where it is validated */
  attachments: string | null;
  atMs: number;
  agentInfo: string | null;
  pageFbId: string;
  pageName: string;
  customerPsid: string | null;
  customerName: string | null;
  /**
   * agent_info ->> 'name' as PostgreSQL reads it (null: none), for the sessions an import
   * builds in memory; undefined when it cannot be told without PostgreSQL (a name that is an
   * object): that chat's sessions are then rebuilt by SQL
   */
  agentName?: string | null;
  /** the AI's label and its confidence (0–1), and its processing time: only the ingest API sets them (imports arrive unlabelled) */
  classification?: string | null;
  confidence?: number | null;
  processingMs?: number | null;
}

export interface RowError {
  /** 1-based line for line formats; `<file>#messages[i]` for Facebook exports */
  line: string | number;
  reason: string;
}

export type Parsed = { row: ImportRow; error?: undefined } | { row?: undefined; error: RowError };

/** What detection hands the loader: a format name and a one-shot stream of rows. */
export interface Source {
  format: string;
  /** single rows, or the rows of one chunk of the file together (a million steps through an async iterator cost seconds) */
  rows(): AsyncIterable<Parsed | Parsed[]>;
}

export interface ReaderContext {
  timezone: string;
  owner?: string;
  /** column → canonical field, from --map */
  map: Record<string, string>;
  /** name shown in errors for a single file (an upload's original name, not its temp path) */
  displayName: string;
}
