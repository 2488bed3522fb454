import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setAsideViews } from '../src/db/analytics-views.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import {
  canonicalDefault,
  compareShapes,
  defaultConstraintName,
  expectedShape,
  readDatabaseShape,
  readDmmf,
  readSchemaFile,
  type DatabaseShape,
  type Queryable,
} from './helpers/schema-compare.ts';

// Hand-written migrations can silently disagree with schema.prisma (no schema engine offline to
// diff them). This file proves they agree, and that the comparator would notice if they did not.

const dmmf = readDmmf(readSchemaFile());
const expected = expectedShape(dmmf);

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('drift');
});

afterAll(async () => {
  await db?.drop();
});

/**
 * Runs `sql` in a transaction that is always rolled back, so cases cannot leak into each other.
 * Like the migrator, it sets the (plain) analytics views aside first: they pin the columns they
 * select, and a case changes such columns the way a migration would.
 */
async function inRollback<T>(sql: string, fn: (client: Queryable) => Promise<T>): Promise<T> {
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    await setAsideViews(client);
    await client.query(sql);
    return await fn(client);
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

async function differencesAfter(sql: string): Promise<string[]> {
  return inRollback(sql, async (client) => compareShapes(expected, await readDatabaseShape(client)).differences);
}

const sorted = (items: string[]): string[] => [...items].sort();

describe('prisma/schema.prisma and the migrated database', () => {
  it('agree', async () => {
    const { differences } = compareShapes(expected, await readDatabaseShape(db.pool));
    expect(differences, `schema.prisma and the migrations disagree:\n  ${differences.join('\n  ')}`).toEqual([]);
  });

  it('are compared table by table for every model and enum in the schema', async () => {
    const { comparedTables } = compareShapes(expected, await readDatabaseShape(db.pool));
    const modelTables = dmmf.datamodel.models.map((m) => m.dbName ?? m.name);
    expect(modelTables.length).toBeGreaterThan(0);
    expect(comparedTables).toHaveLength(dmmf.datamodel.models.length);
    expect(sorted(comparedTables)).toEqual(sorted(modelTables));
    expect(expected.enums).toHaveLength(dmmf.datamodel.enums.length);
  });
});

interface DriftCase {
  what: string;
  sql: string;
  differences: string[];
}

// Each case alters the migrated database and names exactly the differences it must cause.
const DRIFT_CASES: DriftCase[] = [
  {
    what: 'a dropped index',
    sql: 'DROP INDEX conversations_page_id_last_message_at_idx',
    differences: ['missing index conversations_page_id_last_message_at_idx'],
  },
  {
    what: 'index columns in another order',
    sql: `DROP INDEX conversations_page_id_last_message_at_idx;
          CREATE INDEX conversations_page_id_last_message_at_idx ON conversations (last_message_at, page_id)`,
    differences: [
      'index conversations_page_id_last_message_at_idx: expected columns (page_id, last_message_at), ' +
        'database has (last_message_at, page_id)',
    ],
  },
  {
    what: 'a partial index with another WHERE',
    sql: `DROP INDEX messages_human_reply_time_idx;
          CREATE INDEX messages_human_reply_time_idx ON messages (social_create_time, conversation_id, id) WHERE sender_kind = 'bot'`,
    differences: [
      `index messages_human_reply_time_idx: expected WHERE sender_kind = 'human_agent', database has WHERE (sender_kind = 'bot'::"SenderKind")`,
    ],
  },
  {
    what: 'a partial index made whole',
    sql: `DROP INDEX messages_human_reply_time_idx;
          CREATE INDEX messages_human_reply_time_idx ON messages (social_create_time, conversation_id, id)`,
    differences: [`index messages_human_reply_time_idx: expected WHERE sender_kind = 'human_agent', database has no WHERE clause`],
  },
  {
    what: 'a WHERE on an index the schema has whole',
    sql: `DROP INDEX conversations_page_id_last_message_at_idx;
          CREATE INDEX conversations_page_id_last_message_at_idx ON conversations (page_id, last_message_at) WHERE page_id > 0`,
    differences: ['index conversations_page_id_last_message_at_idx: expected no WHERE clause, database has WHERE (page_id > 0)'],
  },
  {
    what: 'a unique index that is no longer unique',
    sql: 'DROP INDEX messages_mid_key; CREATE INDEX messages_mid_key ON messages (mid)',
    differences: ['unique index messages_mid_key: expected a unique index, database has a non-unique index'],
  },
  {
    what: 'an extra unique constraint',
    sql: 'ALTER TABLE pages ADD CONSTRAINT pages_name_key UNIQUE (name)',
    differences: ['extra unique index pages_name_key'],
  },
  {
    what: 'a NOT NULL column made nullable',
    sql: 'ALTER TABLE messages ALTER COLUMN mid DROP NOT NULL',
    differences: ['messages.mid: expected NOT NULL, database allows NULL'],
  },
  {
    what: 'a NOT NULL scalar list (Prisma leaves lists nullable)',
    sql: 'ALTER TABLE message_templates ALTER COLUMN variables SET NOT NULL',
    differences: ['message_templates.variables: expected nullable, database has NOT NULL'],
  },
  {
    what: 'a changed literal default',
    sql: `ALTER TABLE users ALTER COLUMN platform SET DEFAULT 'teams'`,
    differences: [`users.platform: expected default 'slack', database has default 'teams'::text`],
  },
  {
    what: 'a dropped enum default',
    sql: 'ALTER TABLE sessions ALTER COLUMN qa_status DROP DEFAULT',
    differences: [`sessions.qa_status: expected default 'unchecked', database has no default`],
  },
  {
    what: 'a default on an @updatedAt column',
    sql: 'ALTER TABLE pages ALTER COLUMN updated_at SET DEFAULT now()',
    differences: ['pages.updated_at: expected no default, database has default now()'],
  },
  {
    what: 'a changed column type',
    sql: 'ALTER TABLE metrics ALTER COLUMN value TYPE real',
    differences: ['metrics.value: expected type double precision, database has real'],
  },
  {
    what: 'timestamptz turned into timestamp',
    sql: 'ALTER TABLE messages ALTER COLUMN social_create_time TYPE timestamp(3)',
    differences: [
      'messages.social_create_time: expected type timestamp(3) with time zone, database has timestamp(3) without time zone',
    ],
  },
  {
    what: 'a foreign key with another ON DELETE',
    sql: `ALTER TABLE messages DROP CONSTRAINT messages_conversation_id_fkey;
          ALTER TABLE messages ADD CONSTRAINT messages_conversation_id_fkey FOREIGN KEY (conversation_id)
            REFERENCES conversations (id) ON DELETE RESTRICT ON UPDATE CASCADE`,
    differences: ['foreign key messages_conversation_id_fkey: expected ON DELETE CASCADE, database has ON DELETE RESTRICT'],
  },
  {
    what: 'a dropped foreign key',
    sql: 'ALTER TABLE sessions DROP CONSTRAINT sessions_qa_by_id_fkey',
    differences: ['missing foreign key sessions_qa_by_id_fkey'],
  },
  {
    what: 'an extra column',
    sql: 'ALTER TABLE messages ADD COLUMN foo text',
    differences: ['extra column messages.foo'],
  },
  {
    what: 'a dropped column',
    sql: 'ALTER TABLE messages DROP COLUMN processing_time_ms',
    differences: ['missing column messages.processing_time_ms'],
  },
  {
    what: 'an extra enum value',
    sql: `ALTER TYPE "QaStatus" ADD VALUE 'escalated'`,
    differences: [`enum QaStatus: extra value 'escalated'`],
  },
  {
    what: 'enum values in another order',
    sql: `ALTER TYPE "ArchiveStatus" RENAME VALUE 'active' TO 'tmp';
          ALTER TYPE "ArchiveStatus" RENAME VALUE 'archived' TO 'active';
          ALTER TYPE "ArchiveStatus" RENAME VALUE 'tmp' TO 'archived'`,
    differences: [
      'enum ArchiveStatus: values in a different order: expected (active, archived), database has (archived, active)',
      // A default stores the label's identity, so the rename carries it along.
      `sessions.archive_status: expected default 'active', database has default 'archived'::"ArchiveStatus"`,
    ],
  },
  {
    what: 'an extra enum type',
    sql: `CREATE TYPE "Extra" AS ENUM ('x')`,
    differences: ['extra enum Extra'],
  },
  {
    what: 'an extra table',
    sql: 'CREATE TABLE foo (id integer)',
    differences: ['extra table foo'],
  },
  {
    what: 'a dropped table, with its keys and indexes',
    sql: 'DROP TABLE job_daily_analyses',
    differences: [
      'missing table job_daily_analyses',
      'missing primary key job_daily_analyses_pkey',
      'missing index job_daily_analyses_daily_analysis_id_idx',
      'missing foreign key job_daily_analyses_job_id_fkey',
      'missing foreign key job_daily_analyses_daily_analysis_id_fkey',
    ],
  },
  {
    what: 'nothing for a view (views are not part of the data model)',
    sql: 'CREATE VIEW page_names AS SELECT name FROM pages',
    differences: [],
  },
];

describe('the comparator', () => {
  it.each(DRIFT_CASES)('reports $what', async ({ sql, differences }) => {
    expect(sorted(await differencesAfter(sql))).toEqual(sorted(differences));
  });

  it('reports every object as missing against an empty database shape', () => {
    const empty: DatabaseShape = { tables: [], enums: [], indexes: [], foreignKeys: [] };
    const { differences, comparedTables } = compareShapes(expected, empty);
    const objects = expected.tables.length + expected.enums.length + expected.indexes.length + expected.foreignKeys.length;
    expect(comparedTables).toEqual([]);
    expect(differences).toHaveLength(objects);
    expect(differences.every((d) => d.startsWith('missing '))).toBe(true);
  });
});

// Features the current schema does not use yet, so that adding one later does not produce a
// false alarm: mapped enums, native types, literal/array/timestamp defaults, dbgenerated,
// sort orders, index methods, operator classes, mapped names and onUpdate.
const PROBE_SCHEMA = `
datasource db {
  provider = "postgresql"
}

enum Mood {
  happy @map("HAPPY")
  sad

  @@map("mood")
}

model Parent {
  id   Int     @id(map: "parent_custom_pk") @default(autoincrement())
  kids Child[]

  @@map("parent")
}

model Child {
  id       String   @id @default(dbgenerated("gen_random_uuid()")) @db.Uuid
  token    String   @default(cuid())
  parentId Int?     @map("parent_id")
  mood     Mood     @default(happy)
  moods    Mood[]   @default([happy, sad])
  counts   Int[]    @default([1, 2])
  ratio    Float    @default(1)
  amount   Decimal  @default(1.5)
  price    Decimal  @db.Decimal(10, 2)
  delta    BigInt   @default(-5)
  label    String   @default("it's") @db.VarChar(20)
  meta     Json     @default("{}")
  since    DateTime @default("2020-01-02T03:04:05.678Z")
  sinceTz  DateTime @default("2020-01-02T03:04:05Z") @map("since_tz") @db.Timestamptz(6)
  flag     Boolean  @default(false)
  blob     Bytes?
  parent   Parent?  @relation(fields: [parentId], references: [id], onUpdate: Restrict)

  @@unique([parentId, label])
  @@index([ratio(sort: Desc), label], map: "child_custom_idx")
  @@index([label], type: Hash, map: "child_hash_idx")
  @@index([label(ops: raw("text_pattern_ops"))])
  @@map("child")
}

model LongNamed {
  id                       Int @id
  someRatherLongColumnName Int @map("some_rather_long_column_name")

  @@index([someRatherLongColumnName])
  @@map("a_table_long_enough_to_make_prisma_cut_index_names")
}
`;

// What `prisma migrate` renders for PROBE_SCHEMA (names cut per Prisma's 63-byte rule).
const PROBE_SQL = `
CREATE SCHEMA drift_probe;
SET LOCAL search_path TO drift_probe;
-- Timestamptz defaults print in the session zone; a non-UTC zone proves they compare as instants.
SET LOCAL TimeZone TO 'Asia/Kolkata';
CREATE TYPE "mood" AS ENUM ('HAPPY', 'sad');
CREATE TABLE "parent" ("id" SERIAL NOT NULL, CONSTRAINT "parent_custom_pk" PRIMARY KEY ("id"));
CREATE TABLE "child" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "token" TEXT NOT NULL,
    "parent_id" INTEGER,
    "mood" "mood" NOT NULL DEFAULT 'HAPPY',
    "moods" "mood"[] DEFAULT ARRAY['HAPPY', 'sad']::"mood"[],
    "counts" INTEGER[] DEFAULT ARRAY[1, 2]::INTEGER[],
    "ratio" DOUBLE PRECISION NOT NULL DEFAULT 1,
    "amount" DECIMAL(65,30) NOT NULL DEFAULT 1.5,
    "price" DECIMAL(10,2) NOT NULL,
    "delta" BIGINT NOT NULL DEFAULT -5,
    "label" VARCHAR(20) NOT NULL DEFAULT 'it''s',
    "meta" JSONB NOT NULL DEFAULT '{}',
    "since" TIMESTAMP(3) NOT NULL DEFAULT '2020-01-02 03:04:05.678 +00:00',
    "since_tz" TIMESTAMPTZ(6) NOT NULL DEFAULT '2020-01-02 03:04:05 +00:00',
    "flag" BOOLEAN NOT NULL DEFAULT false,
    "blob" BYTEA,
    CONSTRAINT "child_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "a_table_long_enough_to_make_prisma_cut_index_names" (
    "id" INTEGER NOT NULL,
    "some_rather_long_column_name" INTEGER NOT NULL,
    CONSTRAINT "a_table_long_enough_to_make_prisma_cut_index_names_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "child_parent_id_label_key" ON "child"("parent_id", "label");
CREATE INDEX "child_custom_idx" ON "child"("ratio" DESC, "label");
CREATE INDEX "child_hash_idx" ON "child" USING HASH ("label");
CREATE INDEX "child_label_idx" ON "child"("label" text_pattern_ops);
CREATE INDEX "a_table_long_enough_to_make_prisma_cut_index_names_some_rat_idx"
    ON "a_table_long_enough_to_make_prisma_cut_index_names"("some_rather_long_column_name");
ALTER TABLE "child" ADD CONSTRAINT "child_parent_id_fkey" FOREIGN KEY ("parent_id")
    REFERENCES "parent"("id") ON DELETE SET NULL ON UPDATE RESTRICT;
`;

describe('the comparator on schema features not in use yet', () => {
  it('finds no difference between a richer schema and the SQL Prisma would generate for it', async () => {
    const probe = expectedShape(readDmmf(PROBE_SCHEMA));
    const differences = await inRollback(PROBE_SQL, async (client) =>
      compareShapes(probe, await readDatabaseShape(client, 'drift_probe')).differences,
    );
    expect(differences).toEqual([]);
  });

  it('names constraints the way Prisma does, cut to 63 bytes before the suffix', () => {
    const table = 'a_table_long_enough_to_make_prisma_cut_index_names';
    expect(defaultConstraintName(table, ['some_rather_long_column_name'], '_idx')).toBe(
      'a_table_long_enough_to_make_prisma_cut_index_names_some_rat_idx',
    );
    expect(defaultConstraintName(`${table}_and_more_words`, [], '_pkey')).toBe(
      'a_table_long_enough_to_make_prisma_cut_index_names_and_mor_pkey',
    );
    expect(defaultConstraintName('messages', ['conversation_id'], '_fkey')).toBe('messages_conversation_id_fkey');
  });

  it('reduces equal defaults to one canonical form', () => {
    expect(canonicalDefault(`'-1'::integer`)).toBe(canonicalDefault('-1'));
    expect(canonicalDefault(`'slack'::text`)).toBe(`'slack'`);
    expect(canonicalDefault(`'it''s'::character varying`)).toBe(`'it''s'`);
    expect(canonicalDefault(`ARRAY[]::text[]`)).toBe('ARRAY[]');
    expect(canonicalDefault(`ARRAY['a, b'::text, 'c'::text]`)).toBe(`ARRAY['a, b', 'c']`);
    expect(canonicalDefault(`nextval('pages_id_seq'::regclass)`)).toBe('autoincrement()');
    expect(canonicalDefault(`'2020-01-02 08:34:05+05:30'::timestamp with time zone`, true)).toBe(
      `'2020-01-02T03:04:05.000Z'`,
    );
  });
});
