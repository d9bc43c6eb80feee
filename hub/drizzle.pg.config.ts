/**
 * drizzle-kit config for the PostgreSQL driver (issue 12): `cd hub && npx drizzle-kit generate --config drizzle.pg.config.ts`
 * writes its migrations to hub/drizzle-pg/, beside the SQLite ones drizzle.config.ts writes to hub/drizzle/.
 */
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/adapters/db/pg/schema.ts',
  out: './drizzle-pg',
});
