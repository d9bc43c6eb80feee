CREATE TABLE "admin_tokens" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"scope" text NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" text NOT NULL,
	"created_by" text NOT NULL,
	"expires_at" text,
	"last_used_at" text,
	"rotated_at" text,
	"revoked_at" text
);
--> statement-breakpoint
ALTER TABLE "admin_sessions" ADD COLUMN "scope" text DEFAULT 'admin' NOT NULL;--> statement-breakpoint
ALTER TABLE "admin_sessions" ADD COLUMN "token_id" text;--> statement-breakpoint
ALTER TABLE "admin_sign_in_links" ADD COLUMN "scope" text DEFAULT 'admin' NOT NULL;--> statement-breakpoint
ALTER TABLE "admin_sign_in_links" ADD COLUMN "token_id" text;--> statement-breakpoint
CREATE UNIQUE INDEX "admin_tokens_token_hash" ON "admin_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "admin_tokens_name" ON "admin_tokens" USING btree ("name");--> statement-breakpoint
CREATE INDEX "admin_tokens_created" ON "admin_tokens" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "admin_sessions_token" ON "admin_sessions" USING btree ("token_id");--> statement-breakpoint
CREATE INDEX "admin_sign_in_links_token" ON "admin_sign_in_links" USING btree ("token_id");