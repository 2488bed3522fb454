// First gate of the sql_query tool (DESIGN.md §7): the real PostgreSQL parser decides what the
// statement is, so no regex can be fooled by comments, quoting or unusual spellings. It is not
// the security boundary (the pulse_agent role is, see the analytics_views migration); it turns
// what the role would refuse anyway into a reason the model can act on, and refuses what the
// role would allow but we do not want (pg_sleep, catalog introspection, locks).

/** Views of the migrations 20261122100000_analytics_views and later; the only relations a query may read. */
export const ANALYTICS_VIEWS: readonly string[] = [
  'agents',
  'conversations',
  'csat_surveys',
  'daily_analyses',
  'handoff_cases',
  'handoffs',
  'message_templates',
  'jobs',
  'message_replies',
  'messages',
  'metrics',
  'pages',
  'qa_calibration_sheets',
  'qa_events',
  'qa_review_answers',
  'qa_reviews',
  'sessions',
  'uploads',
  'users',
];

/**
 * Functions a query may call (unqualified or pg_catalog.*). COALESCE, NULLIF, GREATEST, LEAST,
 * CASE, CAST and CURRENT_DATE/CURRENT_TIMESTAMP are syntax, not function calls, and always pass.
 * Left out on purpose: anything that allocates by argument (repeat, lpad, rpad), sleeps, reads
 * files or settings, or reaches outside the query.
 */
export const ALLOWED_FUNCTIONS: readonly string[] = [
  // aggregates
  'count', 'sum', 'avg', 'min', 'max', 'percentile_cont', 'percentile_disc', 'mode', 'stddev', 'stddev_pop',
  'stddev_samp', 'variance', 'var_pop', 'var_samp', 'string_agg', 'array_agg', 'bool_and', 'bool_or', 'every',
  'corr', 'covar_pop', 'covar_samp', 'regr_slope', 'regr_intercept', 'regr_r2', 'regr_count', 'jsonb_agg',
  'jsonb_object_agg', 'json_agg', 'json_object_agg',
  // window functions
  'row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile', 'lag', 'lead', 'first_value',
  'last_value', 'nth_value',
  // date and time (extract and AT TIME ZONE parse to pg_catalog.extract / pg_catalog.timezone)
  'date_trunc', 'date_part', 'extract', 'date_bin', 'now', 'age', 'make_interval', 'make_date', 'make_time',
  'make_timestamp', 'make_timestamptz', 'to_char', 'to_date', 'to_timestamp', 'timezone', 'justify_interval',
  'justify_days', 'justify_hours', 'isfinite', 'clock_timestamp', 'statement_timestamp', 'transaction_timestamp',
  'overlaps',
  // numbers
  'round', 'floor', 'ceil', 'ceiling', 'abs', 'trunc', 'sign', 'sqrt', 'cbrt', 'power', 'exp', 'ln', 'log', 'log10',
  'mod', 'div', 'width_bucket', 'to_number', 'random',
  // text (trim and position parse to pg_catalog.btrim / pg_catalog.position)
  'lower', 'upper', 'initcap', 'length', 'char_length', 'character_length', 'octet_length', 'substring', 'substr',
  'split_part', 'concat', 'concat_ws', 'replace', 'translate', 'trim', 'btrim', 'ltrim', 'rtrim', 'position',
  'strpos', 'left', 'right', 'reverse', 'starts_with', 'format', 'regexp_replace', 'regexp_match', 'regexp_matches',
  'regexp_like', 'regexp_count', 'regexp_substr', 'regexp_split_to_array', 'regexp_split_to_table', 'md5', 'overlay',
  'normalize', 'unaccent',
  // json
  'jsonb_array_length', 'jsonb_typeof', 'jsonb_extract_path', 'jsonb_extract_path_text', 'jsonb_array_elements',
  'jsonb_array_elements_text', 'jsonb_object_keys', 'jsonb_each', 'jsonb_each_text', 'jsonb_build_object',
  'jsonb_build_array', 'jsonb_strip_nulls', 'jsonb_path_exists', 'jsonb_path_query', 'jsonb_path_query_first',
  'to_jsonb', 'json_build_object', 'json_build_array', 'to_json', 'json_array_length', 'json_typeof',
  // arrays and sets
  'array_length', 'cardinality', 'unnest', 'array_to_string', 'string_to_array', 'array_position', 'array_remove',
  'array_append', 'array_cat', 'generate_series', 'num_nulls', 'num_nonnulls',
  // function-style casts
  'date', 'text', 'numeric', 'int4', 'int8', 'float8', 'bool', 'interval', 'timestamptz', 'timestamp',
];

/** Refused with a reason that says why, rather than only "not in the allowlist". */
const DANGEROUS: ReadonlyArray<[RegExp, string]> = [
  [/^pg_sleep/, 'it stalls the connection'],
  [/^(pg_read_file|pg_read_binary_file|pg_ls_|pg_stat_file|lo_|loread|lowrite)/, 'it reads or writes server files'],
  [/^dblink|^postgres_fdw/, 'it reaches other databases'],
  [/^(set_config|current_setting)$/, 'it reads or changes server settings'],
  [/^(pg_terminate_backend|pg_cancel_backend|pg_reload_conf|pg_rotate_logfile|pg_promote)$/, 'it acts on the server'],
  [/^(query_to_xml|query_to_json|table_to_xml|cursor_to_xml|schema_to_xml|database_to_xml)/, 'it runs a query given as text'],
  [/^pg_advisory|^pg_try_advisory/, 'it takes locks'],
  [/^(nextval|setval|txid_current|pg_current_xact_id)$/, 'it writes'],
];

const ALLOWED_FUNCTION_SET = new Set(ALLOWED_FUNCTIONS);
const VIEW_SET = new Set(ANALYTICS_VIEWS);

export type GuardResult = { ok: true; normalized: string } | { ok: false; reason: string };

class Refusal extends Error {}

const refuse = (why: string): never => {
  throw new Refusal(`refused: ${why}`);
};

/**
 * Accepts exactly one plain SELECT (CTEs, set operations, subqueries, window functions) over the
 * analytics views with allowlisted functions. `normalized` is that one statement without a
 * trailing semicolon, to run as is.
 */
export async function checkSql(sql: string): Promise<GuardResult> {
  if (sql.trim() === '') return { ok: false, reason: 'refused: empty query' };
  let tree: { stmts?: Array<{ stmt?: Record<string, unknown>; stmt_location?: number; stmt_len?: number }> };
  try {
    // loaded on the first statement: the parser is a WebAssembly build of PostgreSQL's, which
    // every process that never runs sql_query would otherwise load for nothing
    const { parse } = await import('libpg-query');
    tree = await parse(sql);
  } catch (err) {
    return { ok: false, reason: `refused: syntax error: ${(err as Error).message}` };
  }
  const stmts = tree.stmts ?? [];
  if (stmts.length !== 1) {
    return { ok: false, reason: `refused: ${stmts.length} statements; send exactly one` };
  }
  const [{ stmt, stmt_location: at = 0, stmt_len: len = 0 }] = stmts as [(typeof stmts)[number]];
  const kind = stmt ? Object.keys(stmt)[0] : undefined;
  if (!stmt || kind !== 'SelectStmt') {
    return { ok: false, reason: `refused: only SELECT statements are allowed (got ${kind ?? 'nothing'})` };
  }
  try {
    visit(stmt, new Set());
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, reason: err.message };
    throw err;
  }
  // Parser locations are byte offsets into the UTF-8 text; stmt_len 0 means "to the end".
  const bytes = Buffer.from(sql, 'utf8');
  const text = bytes.subarray(at, len > 0 ? at + len : bytes.length).toString('utf8');
  return { ok: true, normalized: text.trim().replace(/;+$/, '').trim() };
}

type Node = Record<string, unknown>;

const isObject = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

const strings = (list: unknown): string[] =>
  Array.isArray(list) ? list.map((n) => (isObject(n) && isObject(n.String) ? String(n.String.sval ?? '') : '?')) : [];

/** Walks every node; `ctes` are the CTE names visible at this point of the tree. */
function visit(value: unknown, ctes: ReadonlySet<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) visit(v, ctes);
    return;
  }
  if (!isObject(value)) return;
  for (const [key, child] of Object.entries(value)) {
    if (!isObject(child)) {
      visit(child, ctes);
      continue;
    }
    switch (key) {
      case 'SelectStmt':
        visitSelect(child, ctes);
        break;
      case 'FuncCall':
        checkFunction(child);
        visit(child, ctes);
        break;
      case 'RangeVar':
        checkRelation(child, ctes);
        break;
      case 'TypeCast':
        checkCast(child);
        visit(child, ctes);
        break;
      case 'RangeTableFunc':
      case 'XmlExpr':
      case 'XmlSerialize':
        refuse(`${key} (XML functions) is not supported`);
        break;
      default:
        // Statements other than SELECT can only appear here inside WITH (data-modifying CTEs).
        if (key.endsWith('Stmt')) refuse(`data-modifying statement inside the query (${key}); only SELECT is allowed`);
        visit(child, ctes);
    }
  }
}

function visitSelect(select: Node, outer: ReadonlySet<string>): void {
  if (select.intoClause) refuse('SELECT INTO creates a table; only plain SELECT is allowed');
  if (Array.isArray(select.lockingClause) && select.lockingClause.length > 0) {
    refuse('locking clauses (FOR UPDATE / FOR SHARE) are not allowed');
  }
  let scope = outer;
  const withClause = isObject(select.withClause) ? select.withClause : undefined;
  if (withClause) {
    const ctes = (Array.isArray(withClause.ctes) ? withClause.ctes : [])
      .map((c) => (isObject(c) && isObject(c.CommonTableExpr) ? c.CommonTableExpr : undefined))
      .filter((c): c is Node => c !== undefined);
    const names = ctes.map((c) => String(c.ctename));
    const all = new Set([...outer, ...names]);
    // A CTE's body sees only the CTEs before it (all of them under RECURSIVE): otherwise
    // `WITH pg_roles AS (SELECT * FROM pg_roles) ...` would read the catalog in disguise.
    ctes.forEach((cte, i) => {
      const visible = withClause.recursive === true ? all : new Set([...outer, ...names.slice(0, i)]);
      const query = isObject(cte.ctequery) ? cte.ctequery : {};
      const kind = Object.keys(query)[0];
      if (kind !== 'SelectStmt') refuse(`data-modifying WITH (${kind ?? 'empty'} in CTE ${String(cte.ctename)}); only SELECT is allowed`);
      visit(cte, visible);
    });
    scope = all;
  }
  for (const [key, child] of Object.entries(select)) {
    if (key !== 'withClause') visit(child, scope);
  }
}

function checkFunction(call: Node): void {
  const parts = strings(call.funcname);
  const name = parts[parts.length - 1] ?? '?';
  const qualified = parts.join('.');
  if (parts.length > 2 || (parts.length === 2 && parts[0] !== 'pg_catalog')) {
    refuse(`function ${qualified} is not allowed (only built-in functions may be called)`);
  }
  for (const [pattern, why] of DANGEROUS) {
    if (pattern.test(name)) refuse(`function ${name} is not allowed (${why})`);
  }
  if (!ALLOWED_FUNCTION_SET.has(name)) {
    refuse(`function ${name} is not allowed; allowed functions include date_trunc, count, avg, percentile_cont, round, lower, coalesce (see ALLOWED_FUNCTIONS)`);
  }
}

function checkRelation(rel: Node, ctes: ReadonlySet<string>): void {
  const name = String(rel.relname);
  const schema = typeof rel.schemaname === 'string' ? rel.schemaname : undefined;
  const shown = [rel.catalogname, schema, name].filter((p) => typeof p === 'string').join('.');
  const ok =
    rel.catalogname === undefined &&
    (schema === undefined ? ctes.has(name) || VIEW_SET.has(name) : schema === 'analytics' && VIEW_SET.has(name));
  if (!ok) {
    refuse(`relation ${shown} is not allowed; available: ${ANALYTICS_VIEWS.map((v) => `analytics.${v}`).join(', ')}`);
  }
}

/** reg* casts look names up in the system catalogs, which the analytics surface keeps out of view. */
function checkCast(cast: Node): void {
  const typeName = isObject(cast.typeName) ? cast.typeName : {};
  const parts = strings(typeName.names);
  const name = parts[parts.length - 1] ?? '';
  if (/^reg/.test(name)) refuse(`cast to ${name} is not allowed (catalog lookup)`);
}
