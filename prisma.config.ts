import { defineConfig } from 'prisma/config';

// Only the CLI reads this. The URL matters for `prisma migrate status/deploy` on a connected
// machine; `prisma generate` needs none, so a placeholder keeps generate working offline.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5433/postgres' },
});
