/** drizzle-kit config: `cd hub && npx drizzle-kit generate` writes SQL migrations to hub/drizzle/. */
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './src/adapters/db/schema.ts',
  out: './drizzle',
});
