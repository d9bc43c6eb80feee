ALTER TABLE "datasets" ADD COLUMN "archived_at" text;--> statement-breakpoint
ALTER TABLE "datasets" ADD COLUMN "deleted_at" text;--> statement-breakpoint
ALTER TABLE "model_versions" ADD COLUMN "archived_at" text;--> statement-breakpoint
ALTER TABLE "model_versions" ADD COLUMN "deleted_at" text;--> statement-breakpoint
CREATE INDEX "model_versions_sha256" ON "model_versions" USING btree ("sha256");