CREATE TABLE "training_trials" (
	"run_id" text NOT NULL,
	"trial_index" integer NOT NULL,
	"params" jsonb NOT NULL,
	"status" text NOT NULL,
	"queued_at" text NOT NULL,
	"claimed_by" text,
	"claimed_until_ms" bigint,
	"attempts" integer DEFAULT 0 NOT NULL,
	"progress_permille" integer DEFAULT 0 NOT NULL,
	"epochs" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"metrics" jsonb,
	"error" jsonb,
	"started_at" text,
	"finished_at" text,
	CONSTRAINT "training_trials_run_id_trial_index_pk" PRIMARY KEY("run_id","trial_index")
);
--> statement-breakpoint
ALTER TABLE "training_runs" ADD COLUMN "claimed_by" text;--> statement-breakpoint
ALTER TABLE "training_runs" ADD COLUMN "claimed_until_ms" bigint;--> statement-breakpoint
ALTER TABLE "training_runs" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "training_trials" ADD CONSTRAINT "training_trials_run_id_training_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."training_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "training_trials_status" ON "training_trials" USING btree ("status","queued_at");--> statement-breakpoint
CREATE INDEX "training_runs_status" ON "training_runs" USING btree ("status","created_at");