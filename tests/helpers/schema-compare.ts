import { readFileSync } from 'node:fs';
import path from 'node:path';
import { get_dmmf } from '@prisma/prisma-schema-wasm';
import type pg from 'pg';

// Proves prisma/schema.prisma and a migrated database agree without Prisma's schema engine
// (unavailable offline): derive the shape `prisma migrate` would create for PostgreSQL from
// the DMMF, read the real shape from the catalogs, and diff the two.
//
// Known blind spots, because the DMMF does not expose them: `@relation(map: ...)` foreign-key
// names (a mapped name shows up as a missing + an extra foreign key), `relationMode = "prisma"`
// (no foreign keys expected), multiSchema and Unsupported(...) fields. CHECK and EXCLUDE
// constraints are not compared: Prisma cannot express them, so hand-written SQL may add them.

export const SCHEMA_PATH = path.resolve(import.meta.dirname, '../../prisma/schema.prisma');

// ---------------------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------------------

export interface ColumnShape {
  name: string;
  /** As `format_type` prints it, without identifier quotes. */
  type: string;
  notNull: boolean;
  /** Canonical form (see canonicalDefault) so that equal defaults compare equal. */
  default: string | null;
  /** What to show in a difference: the catalog's own text for the database side. */
  defaultSql: string | null;
}

export interface TableShape {
  name: string;
  columns: ColumnShape[];
}

export interface EnumShape {
  name: string;
  values: string[];
}

export interface IndexColumn {
  name: string;
  descending: boolean;
  /** Only a non-default operator class; null means the type's default. */
  opclass: string | null;
}

export type IndexKind = 'primary key' | 'unique index' | 'index';

export interface IndexShape {
  name: string;
  table: string;
  kind: IndexKind;
  method: string;
  columns: IndexColumn[];
  predicate: string | null;
}

export type FkAction = 'CASCADE' | 'RESTRICT' | 'NO ACTION' | 'SET NULL' | 'SET DEFAULT';

export interface ForeignKeyShape {
  name: string;
  table: string;
  columns: string[];
  refTable: string;
  refColumns: string[];
  onDelete: FkAction;
  onUpdate: FkAction;
}

export interface DatabaseShape {
  tables: TableShape[];
  enums: EnumShape[];
  indexes: IndexShape[];
  foreignKeys: ForeignKeyShape[];
}

// ---------------------------------------------------------------------------------------
// DMMF (only the parts used here)
// ---------------------------------------------------------------------------------------

type DmmfLiteral = string | number | boolean;
type DmmfDefault = DmmfLiteral | DmmfLiteral[] | { name: string; args: unknown[] };

export interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'enum' | 'object';
  type: string;
  isList: boolean;
  isRequired: boolean;
  isUpdatedAt: boolean;
  default?: DmmfDefault;
  nativeType?: [string, string[]] | null;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
}

export interface DmmfModel {
  name: string;
  dbName: string | null;
  schema: string | null;
  fields: DmmfField[];
}

export interface DmmfEnum {
  name: string;
  dbName: string | null;
  values: { name: string; dbName: string | null }[];
}

export interface DmmfIndex {
  model: string;
  type: 'id' | 'unique' | 'normal' | 'fulltext';
  dbName?: string | null;
  algorithm?: string;
  fields: { name: string; sortOrder?: 'asc' | 'desc'; operatorClass?: string }[];
  /** a partial index's `where: raw("...")`, read from the schema text (the DMMF leaves it out) */
  where?: string;
}

export interface Dmmf {
  datamodel: { enums: DmmfEnum[]; models: DmmfModel[]; indexes: DmmfIndex[] };
}

export function readDmmf(prismaSchema: string): Dmmf {
  // The wasm returns untyped JSON; the interfaces above describe the subset we rely on.
  const dmmf = JSON.parse(get_dmmf(JSON.stringify({ prismaSchema }))) as Dmmf;
  const where = partialIndexPredicates(prismaSchema);
  for (const index of dmmf.datamodel.indexes) {
    const predicate = index.dbName ? where.get(index.dbName) : undefined;
    if (predicate !== undefined) index.where = predicate;
  }
  return dmmf;
}

/** `@@index([...], map: "name", where: raw("predicate"))` → name → predicate (partialIndexes preview). */
function partialIndexPredicates(prismaSchema: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of prismaSchema.split('\n')) {
    if (!/^\s*@@(index|unique)\(/.test(line) || !/\bwhere:/.test(line)) continue;
    const map = /\bmap:\s*"([^"]+)"/.exec(line)?.[1];
    const raw = /\bwhere:\s*raw\("((?:[^"\\]|\\.)*)"\)/.exec(line)?.[1];
    if (!map || raw === undefined) unsupported(`a partial index without map: or with a where: other than raw("..."): ${line.trim()}`);
    out.set(map, raw.replace(/\\(.)/g, '$1'));
  }
  return out;
}

/** A predicate as comparable text: PostgreSQL prints `(sender_kind = 'x'::"SenderKind")` for `sender_kind = 'x'`. */
const canonicalPredicate = (sql: string): string => sql.replace(/::"?[A-Za-z_][A-Za-z0-9_]*"?(\[\])?/g, '').replace(/[()\s"]/g, '');

export function readSchemaFile(file = SCHEMA_PATH): string {
  return readFileSync(file, 'utf8');
}

// ---------------------------------------------------------------------------------------
// Defaults: both sides are reduced to one canonical text, because PostgreSQL prints what it
// stored (`'slack'::text`, `'-1'::integer`, `ARRAY['a'::text]`), not what the migration said.
// ---------------------------------------------------------------------------------------

const AUTOINCREMENT = 'autoincrement()';
const NOW = 'CURRENT_TIMESTAMP';
/** `@default(dbgenerated())` without SQL: the database owns the value, nothing to compare. */
const DATABASE_MANAGED = '<dbgenerated()>';

const LITERAL = /^\(?('(?:[^']|'')*'|-?\d+(?:\.\d+)?(?:e[+-]?\d+)?|true|false)\)?(?:::[^:']+)*$/i;
const NUMBER = /^-?\d+(?:\.\d+)?(?:e[+-]?\d+)?$/i;
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** The literal inside casts and quotes, or null when `expr` is not a plain literal. */
function literalValue(expr: string): string | null {
  const raw = LITERAL.exec(expr.trim())?.[1];
  if (raw === undefined) return null;
  return raw.startsWith("'") ? raw.slice(1, -1).replaceAll("''", "'") : raw;
}

// Timestamps are compared as instants: pg prints them in the session's zone, DMMF in RFC 3339.
function instant(value: string): string | null {
  const m = TIMESTAMP.exec(value.trim());
  if (!m) return null;
  const zone = m[3] === undefined || m[3] === 'Z' ? 'Z' : m[3].length === 3 ? `${m[3]}:00` : m[3];
  const ms = Date.parse(`${m[1]}T${m[2] ?? '00:00:00'}${zone.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')}`);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

function canonicalLiteral(value: string, isTimestamp: boolean): string {
  const at = isTimestamp ? instant(value) : null;
  if (at !== null) return `'${at}'`;
  // Number() so that `0`, `'0'::integer` and `0.0` agree; precision beyond 2^53 is not a concern here.
  if (NUMBER.test(value)) return String(Number(value));
  if (/^(true|false)$/i.test(value)) return value.toLowerCase();
  return `'${value.replaceAll("'", "''")}'`;
}

/** Splits `a, 'b,c', f(x, y)` at commas outside quotes and parentheses. */
function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const ch = list[i];
    if (ch === "'") quoted = !quoted;
    else if (!quoted && ch === '(') depth++;
    else if (!quoted && ch === ')') depth--;
    else if (!quoted && depth === 0 && ch === ',') {
      parts.push(list.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(list.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

function canonicalElement(expr: string, isTimestamp: boolean): string {
  const value = literalValue(expr);
  return value === null ? expr.trim() : canonicalLiteral(value, isTimestamp);
}

/** Canonical form of a default as `pg_get_expr` prints it. */
export function canonicalDefault(sql: string, isTimestamp = false): string {
  const expr = sql.trim();
  if (/^nextval\('[^']+'::regclass\)$/.test(expr)) return AUTOINCREMENT;
  if (/^(CURRENT_TIMESTAMP|now\(\))$/i.test(expr)) return NOW;
  const array = /^ARRAY\[(.*?)\](?:::[^:']+)?$/s.exec(expr);
  if (array) {
    const items = splitTopLevel(array[1] ?? '').map((e) => canonicalElement(e, isTimestamp));
    return `ARRAY[${items.join(', ')}]`;
  }
  return canonicalElement(expr, isTimestamp);
}

// ---------------------------------------------------------------------------------------
// Expected shape: what `prisma migrate` creates for PostgreSQL
// ---------------------------------------------------------------------------------------

const SCALAR_SQL: Record<string, string> = {
  String: 'text',
  Boolean: 'boolean',
  Int: 'integer',
  BigInt: 'bigint',
  Float: 'double precision',
  Decimal: 'numeric(65,30)',
  DateTime: 'timestamp(3) without time zone',
  Json: 'jsonb',
  Bytes: 'bytea',
};

const sized = (base: string, suffix = '') => (args: string[]) =>
  args.length > 0 ? `${base}(${args.join(',')})${suffix}` : `${base}${suffix}`;
const fixed = (sql: string) => () => sql;

// Keyed by Prisma's @db.* name; values are what format_type prints for the created column.
const NATIVE_SQL: Record<string, (args: string[]) => string> = {
  Text: fixed('text'),
  VarChar: sized('character varying'),
  Char: (args) => sized('character')(args.length > 0 ? args : ['1']),
  Bit: (args) => sized('bit')(args.length > 0 ? args : ['1']),
  VarBit: sized('bit varying'),
  Uuid: fixed('uuid'),
  Xml: fixed('xml'),
  Inet: fixed('inet'),
  Citext: fixed('citext'),
  Boolean: fixed('boolean'),
  SmallInt: fixed('smallint'),
  Integer: fixed('integer'),
  BigInt: fixed('bigint'),
  Oid: fixed('oid'),
  Real: fixed('real'),
  DoublePrecision: fixed('double precision'),
  Decimal: sized('numeric'),
  Money: fixed('money'),
  Date: fixed('date'),
  Time: sized('time', ' without time zone'),
  Timetz: sized('time', ' with time zone'),
  Timestamp: sized('timestamp', ' without time zone'),
  Timestamptz: sized('timestamp', ' with time zone'),
  Json: fixed('json'),
  JsonB: fixed('jsonb'),
  ByteA: fixed('bytea'),
};

const ACTIONS: Record<string, FkAction> = {
  Cascade: 'CASCADE',
  Restrict: 'RESTRICT',
  NoAction: 'NO ACTION',
  SetNull: 'SET NULL',
  SetDefault: 'SET DEFAULT',
};

// Client-side generators: Prisma fills these in, the column gets no database default.
const CLIENT_DEFAULTS = new Set(['uuid', 'cuid', 'nanoid', 'ulid']);

interface Context {
  models: Map<string, DmmfModel>;
  enums: Map<string, DmmfEnum>;
}

function unsupported(what: string): never {
  throw new Error(`schema-compare: ${what} is not supported yet; extend tests/helpers/schema-compare.ts`);
}

const tableOf = (model: DmmfModel): string => model.dbName ?? model.name;
const columnOf = (field: DmmfField): string => field.dbName ?? field.name;
const isColumn = (field: DmmfField): boolean => field.kind !== 'object';

function fieldOf(model: DmmfModel, name: string): DmmfField {
  return model.fields.find((f) => f.name === name) ?? unsupported(`unknown field ${model.name}.${name}`);
}

function modelOf(ctx: Context, name: string): DmmfModel {
  return ctx.models.get(name) ?? unsupported(`unknown model ${name}`);
}

function enumOf(ctx: Context, name: string): DmmfEnum {
  return ctx.enums.get(name) ?? unsupported(`unknown enum ${name}`);
}

function scalarSql(field: DmmfField): string {
  if (field.nativeType) {
    const [name, args] = field.nativeType;
    return (NATIVE_SQL[name] ?? unsupported(`@db.${name}`))(args);
  }
  return SCALAR_SQL[field.type] ?? unsupported(`scalar type ${field.type}`);
}

function columnType(field: DmmfField, ctx: Context): string {
  const enumType = field.kind === 'enum' ? enumOf(ctx, field.type) : null;
  const base = enumType ? (enumType.dbName ?? enumType.name) : scalarSql(field);
  return field.isList ? `${base}[]` : base;
}

function literalDefault(field: DmmfField, value: DmmfLiteral, ctx: Context): string {
  if (field.kind === 'enum') {
    const member = enumOf(ctx, field.type).values.find((v) => v.name === value);
    return canonicalLiteral(member?.dbName ?? String(value), false);
  }
  return canonicalLiteral(String(value), field.type === 'DateTime');
}

function functionDefault(field: DmmfField, fn: { name: string; args: unknown[] }): string | null {
  if (fn.name === 'autoincrement') return AUTOINCREMENT;
  if (fn.name === 'now') return NOW;
  if (CLIENT_DEFAULTS.has(fn.name)) return null;
  if (fn.name !== 'dbgenerated') return unsupported(`@default(${fn.name}())`);
  const sql = fn.args[0];
  return typeof sql === 'string' ? canonicalDefault(sql, field.type === 'DateTime') : DATABASE_MANAGED;
}

function expectedDefault(field: DmmfField, ctx: Context): string | null {
  const value = field.default;
  // @updatedAt alone gives the column no default (the client sets it on every write); with
  // @default(now()) as well, Prisma creates DEFAULT CURRENT_TIMESTAMP, which raw SQL inserts rely on.
  if (value === undefined) return null;
  if (Array.isArray(value)) return `ARRAY[${value.map((v) => literalDefault(field, v, ctx)).join(', ')}]`;
  if (typeof value === 'object') return functionDefault(field, value);
  return literalDefault(field, value, ctx);
}

function expectedColumn(field: DmmfField, ctx: Context): ColumnShape {
  const def = expectedDefault(field, ctx);
  return {
    name: columnOf(field),
    type: columnType(field, ctx),
    // Prisma's migrations never put NOT NULL on scalar lists, even "required" ones.
    notNull: field.isRequired && !field.isList,
    default: def,
    defaultSql: def,
  };
}

function expectedTable(model: DmmfModel, ctx: Context): TableShape {
  if (model.schema !== null) unsupported(`@@schema on model ${model.name}`);
  return { name: tableOf(model), columns: model.fields.filter(isColumn).map((f) => expectedColumn(f, ctx)) };
}

// Prisma's default constraint names (psl ConstraintNames): `{table}_{columns}{suffix}`, cut to
// PostgreSQL's 63-byte identifier limit before the suffix so the suffix always survives.
const MAX_IDENTIFIER_BYTES = 63;

function truncateBytes(text: string, max: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= max) return text;
  let end = max;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

export function defaultConstraintName(table: string, columns: string[], suffix: string): string {
  const stem = suffix === '_pkey' ? table : `${table}_${columns.join('_')}`;
  return truncateBytes(stem, MAX_IDENTIFIER_BYTES - suffix.length) + suffix;
}

const INDEX_KIND: Record<DmmfIndex['type'], [IndexKind, string]> = {
  id: ['primary key', '_pkey'],
  unique: ['unique index', '_key'],
  normal: ['index', '_idx'],
  fulltext: ['index', '_idx'],
};

function expectedIndexColumn(model: DmmfModel, f: DmmfIndex['fields'][number]): IndexColumn {
  const opclass = f.operatorClass ?? null;
  // Only raw("...") classes arrive as SQL names; named ones (JsonbPathOps...) would need a map.
  if (opclass !== null && !/^[a-z0-9_]+$/.test(opclass)) unsupported(`operator class ${opclass}`);
  return { name: columnOf(fieldOf(model, f.name)), descending: f.sortOrder === 'desc', opclass };
}

function expectedIndex(index: DmmfIndex, ctx: Context): IndexShape {
  if (index.type === 'fulltext') unsupported('@@fulltext');
  const model = modelOf(ctx, index.model);
  const table = tableOf(model);
  const columns = index.fields.map((f) => expectedIndexColumn(model, f));
  const [kind, suffix] = INDEX_KIND[index.type];
  const name = index.dbName ?? defaultConstraintName(table, columns.map((c) => c.name), suffix);
  const method = (index.algorithm ?? 'btree').toLowerCase();
  return { name, table, kind, method, columns, predicate: index.where ?? null };
}

function expectedForeignKey(model: DmmfModel, field: DmmfField, ctx: Context): ForeignKeyShape {
  const target = modelOf(ctx, field.type);
  const table = tableOf(model);
  const columns = (field.relationFromFields ?? []).map((f) => columnOf(fieldOf(model, f)));
  // Prisma's referential-action defaults: optional relations SET NULL, required ones RESTRICT.
  const onDelete = field.relationOnDelete ?? (field.isRequired ? 'Restrict' : 'SetNull');
  return {
    name: defaultConstraintName(table, columns, '_fkey'),
    table,
    columns,
    refTable: tableOf(target),
    refColumns: (field.relationToFields ?? []).map((f) => columnOf(fieldOf(target, f))),
    onDelete: ACTIONS[onDelete] ?? unsupported(`onDelete: ${onDelete}`),
    onUpdate: ACTIONS[field.relationOnUpdate ?? 'Cascade'] ?? unsupported(`onUpdate: ${field.relationOnUpdate}`),
  };
}

function expectedForeignKeys(model: DmmfModel, ctx: Context): ForeignKeyShape[] {
  // Only the side holding `fields:` owns the constraint; back-relations have none.
  const owning = model.fields.filter((f) => f.kind === 'object' && (f.relationFromFields?.length ?? 0) > 0);
  return owning.map((f) => expectedForeignKey(model, f, ctx));
}

export function expectedShape(dmmf: Dmmf): DatabaseShape {
  const { models, enums, indexes } = dmmf.datamodel;
  const ctx: Context = {
    models: new Map(models.map((m) => [m.name, m])),
    enums: new Map(enums.map((e) => [e.name, e])),
  };
  return {
    tables: models.map((m) => expectedTable(m, ctx)),
    enums: enums.map((e) => ({ name: e.dbName ?? e.name, values: e.values.map((v) => v.dbName ?? v.name) })),
    indexes: indexes.map((i) => expectedIndex(i, ctx)),
    foreignKeys: models.flatMap((m) => expectedForeignKeys(m, ctx)),
  };
}

// ---------------------------------------------------------------------------------------
// Actual shape: read from the catalogs
// ---------------------------------------------------------------------------------------

/** A pg.Pool, pg.Client or pg.PoolClient (e.g. one inside a transaction). */
export interface Queryable {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

// Prisma's own bookkeeping table is not part of the data model.
const IGNORED_TABLES = ['_prisma_migrations'];

const TABLES_SQL = `
SELECT c.relname::text AS name
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND c.relname <> ALL($2::text[])
ORDER BY c.relname`;

const COLUMNS_SQL = `
SELECT c.relname::text AS table_name, a.attname::text AS name,
       format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
       pg_get_expr(d.adbin, d.adrelid) AS default_sql,
       a.attidentity::text AS identity, a.attgenerated::text AS generated
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND c.relname <> ALL($2::text[])
ORDER BY c.relname, a.attnum`;

const ENUMS_SQL = `
SELECT t.typname::text AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS values
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
JOIN pg_enum e ON e.enumtypid = t.oid
WHERE n.nspname = $1
GROUP BY t.typname
ORDER BY t.typname`;

// Per key column: its name (or expression), DESC flag and operator class when not the default.
const INDEXES_SQL = `
SELECT i.relname::text AS name, t.relname::text AS table_name,
       ix.indisprimary AS is_primary, ix.indisunique AS is_unique, am.amname::text AS method,
       pg_get_expr(ix.indpred, ix.indrelid) AS predicate,
       ARRAY(SELECT pg_get_indexdef(ix.indexrelid, k, true)
             FROM generate_series(1, ix.indnkeyatts) AS k ORDER BY k) AS columns,
       ARRAY(SELECT (ix.indoption[k - 1] & 1) = 1
             FROM generate_series(1, ix.indnkeyatts) AS k ORDER BY k) AS descending,
       ARRAY(SELECT CASE WHEN opc.opcdefault THEN NULL ELSE opc.opcname::text END
             FROM generate_series(1, ix.indnkeyatts) AS k
             JOIN pg_opclass opc ON opc.oid = ix.indclass[k - 1] ORDER BY k) AS opclasses
FROM pg_index ix
JOIN pg_class i ON i.oid = ix.indexrelid
JOIN pg_class t ON t.oid = ix.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_am am ON am.oid = i.relam
WHERE n.nspname = $1 AND t.relkind IN ('r', 'p') AND t.relname <> ALL($2::text[])
ORDER BY i.relname`;

const FOREIGN_KEYS_SQL = `
SELECT con.conname::text AS name, t.relname::text AS table_name, rt.relname::text AS ref_table,
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
             ORDER BY k.ord) AS columns,
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
             ORDER BY k.ord) AS ref_columns,
       con.confdeltype::text AS on_delete, con.confupdtype::text AS on_update
FROM pg_constraint con
JOIN pg_class t ON t.oid = con.conrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_class rt ON rt.oid = con.confrelid
WHERE con.contype = 'f' AND n.nspname = $1 AND t.relname <> ALL($2::text[])
ORDER BY con.conname`;

interface ColumnRow {
  table_name: string;
  name: string;
  type: string;
  not_null: boolean;
  default_sql: string | null;
  identity: string;
  generated: string;
}

interface IndexRow {
  name: string;
  table_name: string;
  is_primary: boolean;
  is_unique: boolean;
  method: string;
  predicate: string | null;
  columns: string[];
  descending: boolean[];
  opclasses: (string | null)[];
}

interface ForeignKeyRow {
  name: string;
  table_name: string;
  ref_table: string;
  columns: string[];
  ref_columns: string[];
  on_delete: string;
  on_update: string;
}

const PG_ACTIONS: Record<string, FkAction> = {
  a: 'NO ACTION',
  r: 'RESTRICT',
  c: 'CASCADE',
  n: 'SET NULL',
  d: 'SET DEFAULT',
};

// format_type quotes mixed-case names (`"QaStatus"[]`); the expected side uses bare names.
const unquote = (sql: string): string => sql.replaceAll('"', '');

/** The column's default as SQL, including identity/generated columns Prisma never creates. */
function defaultSqlOf(row: ColumnRow): string | null {
  if (row.identity !== '') return `GENERATED ${row.identity === 'a' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY`;
  if (row.generated !== '') return `GENERATED ALWAYS AS (${row.default_sql ?? ''})`;
  return row.default_sql;
}

function actualColumn(row: ColumnRow): ColumnShape {
  const type = unquote(row.type);
  const defaultSql = defaultSqlOf(row);
  const isTimestamp = /^(timestamp|date)/.test(type);
  const canonical = defaultSql === null || defaultSql.startsWith('GENERATED') ? defaultSql : canonicalDefault(defaultSql, isTimestamp);
  return { name: row.name, type, notNull: row.not_null, default: canonical, defaultSql };
}

function actualIndex(row: IndexRow): IndexShape {
  const kind: IndexKind = row.is_primary ? 'primary key' : row.is_unique ? 'unique index' : 'index';
  const columns = row.columns.map((name, i) => ({
    name: unquote(name),
    descending: row.descending[i] ?? false,
    opclass: row.opclasses[i] ?? null,
  }));
  return { name: row.name, table: row.table_name, kind, method: row.method, columns, predicate: row.predicate };
}

function actualForeignKey(row: ForeignKeyRow): ForeignKeyShape {
  return {
    name: row.name,
    table: row.table_name,
    columns: row.columns,
    refTable: row.ref_table,
    refColumns: row.ref_columns,
    onDelete: PG_ACTIONS[row.on_delete] ?? 'NO ACTION',
    onUpdate: PG_ACTIONS[row.on_update] ?? 'NO ACTION',
  };
}

export async function readDatabaseShape(db: Queryable, schema = 'public'): Promise<DatabaseShape> {
  const args = [schema, IGNORED_TABLES];
  const tables = await db.query<{ name: string }>(TABLES_SQL, args);
  const columns = await db.query<ColumnRow>(COLUMNS_SQL, args);
  const enums = await db.query<EnumShape>(ENUMS_SQL, [schema]);
  const indexes = await db.query<IndexRow>(INDEXES_SQL, args);
  const foreignKeys = await db.query<ForeignKeyRow>(FOREIGN_KEYS_SQL, args);
  return {
    tables: tables.rows.map(({ name }) => ({
      name,
      columns: columns.rows.filter((c) => c.table_name === name).map(actualColumn),
    })),
    enums: enums.rows,
    indexes: indexes.rows.map(actualIndex),
    foreignKeys: foreignKeys.rows.map(actualForeignKey),
  };
}

// ---------------------------------------------------------------------------------------
// Comparison
// ---------------------------------------------------------------------------------------

export interface SchemaComparison {
  /** Human-readable, one per difference; empty when schema and database agree. */
  differences: string[];
  /** Tables present on both sides whose columns were compared. */
  comparedTables: string[];
}

/** Reports missing/extra items by name and returns the pairs present on both sides. */
function pairByName<T extends { name: string }>(
  expected: T[],
  actual: T[],
  label: (item: T) => string,
  out: string[],
): [T, T][] {
  const actualByName = new Map(actual.map((a) => [a.name, a]));
  const expectedNames = new Set(expected.map((e) => e.name));
  const pairs: [T, T][] = [];
  for (const e of expected) {
    const a = actualByName.get(e.name);
    if (a) pairs.push([e, a]);
    else out.push(`missing ${label(e)}`);
  }
  for (const a of actual) if (!expectedNames.has(a.name)) out.push(`extra ${label(a)}`);
  return pairs;
}

const describeDefault = (sql: string | null): string => (sql === null ? 'no default' : `default ${sql}`);
const list = (items: string[]): string => `(${items.join(', ')})`;

function columnDifferences(table: string, e: ColumnShape, a: ColumnShape): string[] {
  const at = `${table}.${e.name}`;
  const out: string[] = [];
  if (e.type !== a.type) out.push(`${at}: expected type ${e.type}, database has ${a.type}`);
  if (e.notNull && !a.notNull) out.push(`${at}: expected NOT NULL, database allows NULL`);
  if (!e.notNull && a.notNull) out.push(`${at}: expected nullable, database has NOT NULL`);
  if (e.default !== DATABASE_MANAGED && e.default !== a.default) {
    out.push(`${at}: expected ${describeDefault(e.defaultSql)}, database has ${describeDefault(a.defaultSql)}`);
  }
  return out;
}

function tableDifferences(e: TableShape, a: TableShape): string[] {
  const out: string[] = [];
  const pairs = pairByName(e.columns, a.columns, (c) => `column ${e.name}.${c.name}`, out);
  return out.concat(pairs.flatMap(([ec, ac]) => columnDifferences(e.name, ec, ac)));
}

function enumDifferences(e: EnumShape, a: EnumShape): string[] {
  const at = `enum ${e.name}`;
  const missing = e.values.filter((v) => !a.values.includes(v)).map((v) => `${at}: missing value '${v}'`);
  const extra = a.values.filter((v) => !e.values.includes(v)).map((v) => `${at}: extra value '${v}'`);
  const sameSet = missing.length === 0 && extra.length === 0;
  if (sameSet && e.values.join('\0') !== a.values.join('\0')) {
    return [`${at}: values in a different order: expected ${list(e.values)}, database has ${list(a.values)}`];
  }
  return [...missing, ...extra];
}

const KIND_PHRASE: Record<IndexKind, string> = {
  'primary key': 'a primary key',
  'unique index': 'a unique index',
  index: 'a non-unique index',
};

const indexColumnSql = (c: IndexColumn): string =>
  [c.name, c.opclass, c.descending ? 'DESC' : null].filter((p) => p !== null).join(' ');

function indexDifferences(e: IndexShape, a: IndexShape): string[] {
  const at = `${e.kind} ${e.name}`;
  const out: string[] = [];
  if (e.table !== a.table) out.push(`${at}: expected on table ${e.table}, database has it on ${a.table}`);
  if (e.kind !== a.kind) out.push(`${at}: expected ${KIND_PHRASE[e.kind]}, database has ${KIND_PHRASE[a.kind]}`);
  if (e.method !== a.method) out.push(`${at}: expected method ${e.method}, database has ${a.method}`);
  const [ec, ac] = [e.columns.map(indexColumnSql), a.columns.map(indexColumnSql)];
  if (ec.join('\0') !== ac.join('\0')) out.push(`${at}: expected columns ${list(ec)}, database has ${list(ac)}`);
  if (e.predicate === null && a.predicate !== null) out.push(`${at}: expected no WHERE clause, database has WHERE ${a.predicate}`);
  else if (e.predicate !== null && a.predicate === null) out.push(`${at}: expected WHERE ${e.predicate}, database has no WHERE clause`);
  else if (e.predicate !== null && a.predicate !== null && canonicalPredicate(e.predicate) !== canonicalPredicate(a.predicate)) {
    out.push(`${at}: expected WHERE ${e.predicate}, database has WHERE ${a.predicate}`);
  }
  return out;
}

function foreignKeyDifferences(e: ForeignKeyShape, a: ForeignKeyShape): string[] {
  const at = `foreign key ${e.name}`;
  const [eFrom, aFrom] = [`${e.table}${list(e.columns)}`, `${a.table}${list(a.columns)}`];
  const [eTo, aTo] = [`${e.refTable}${list(e.refColumns)}`, `${a.refTable}${list(a.refColumns)}`];
  const out: string[] = [];
  if (eFrom !== aFrom) out.push(`${at}: expected on ${eFrom}, database has it on ${aFrom}`);
  if (eTo !== aTo) out.push(`${at}: expected to reference ${eTo}, database references ${aTo}`);
  if (e.onDelete !== a.onDelete) out.push(`${at}: expected ON DELETE ${e.onDelete}, database has ON DELETE ${a.onDelete}`);
  if (e.onUpdate !== a.onUpdate) out.push(`${at}: expected ON UPDATE ${e.onUpdate}, database has ON UPDATE ${a.onUpdate}`);
  return out;
}

export function compareShapes(expected: DatabaseShape, actual: DatabaseShape): SchemaComparison {
  const out: string[] = [];
  const tables = pairByName(expected.tables, actual.tables, (t) => `table ${t.name}`, out);
  out.push(...tables.flatMap(([e, a]) => tableDifferences(e, a)));
  const enums = pairByName(expected.enums, actual.enums, (x) => `enum ${x.name}`, out);
  out.push(...enums.flatMap(([e, a]) => enumDifferences(e, a)));
  const indexes = pairByName(expected.indexes, actual.indexes, (i) => `${i.kind} ${i.name}`, out);
  out.push(...indexes.flatMap(([e, a]) => indexDifferences(e, a)));
  const fks = pairByName(expected.foreignKeys, actual.foreignKeys, (f) => `foreign key ${f.name}`, out);
  out.push(...fks.flatMap(([e, a]) => foreignKeyDifferences(e, a)));
  return { differences: out, comparedTables: tables.map(([e]) => e.name) };
}

/** Compares prisma/schema.prisma (or `prismaSchema`) with the database behind `db`. */
export async function schemaDrift(db: Queryable, prismaSchema = readSchemaFile()): Promise<SchemaComparison> {
  return compareShapes(expectedShape(readDmmf(prismaSchema)), await readDatabaseShape(db));
}
