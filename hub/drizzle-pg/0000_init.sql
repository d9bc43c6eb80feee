CREATE TABLE "alerts" (
	"id" text PRIMARY KEY NOT NULL,
	"model" text NOT NULL,
	"version" text NOT NULL,
	"scope" text NOT NULL,
	"status" text NOT NULL,
	"severity" text NOT NULL,
	"signals" jsonb NOT NULL,
	"evidence" jsonb NOT NULL,
	"alarming_evaluations" integer DEFAULT 0 NOT NULL,
	"quiet_evaluations" integer DEFAULT 0 NOT NULL,
	"opened_at" text NOT NULL,
	"updated_at" text NOT NULL,
	"resolved_at" text
);
--> statement-breakpoint
CREATE TABLE "assignments" (
	"device_id" text PRIMARY KEY NOT NULL,
	"model" text NOT NULL,
	"version" text NOT NULL,
	"seq" bigint NOT NULL,
	"doc" jsonb NOT NULL,
	"previous_model" text,
	"previous_version" text,
	"assigned_at" text NOT NULL,
	"shadow_model" text,
	"shadow_version" text
);
--> statement-breakpoint
CREATE TABLE "audit" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "audit_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"at" text NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"subject" text NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "datasets" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"rows" integer NOT NULL,
	"size_bytes" bigint NOT NULL,
	"columns" jsonb NOT NULL,
	"summary" jsonb NOT NULL,
	"created_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "device_seq" (
	"device_id" text PRIMARY KEY NOT NULL,
	"seq" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "devices" (
	"id" text PRIMARY KEY NOT NULL,
	"secret_hash" text NOT NULL,
	"ring" text NOT NULL,
	"tags" jsonb NOT NULL,
	"created_at" text NOT NULL,
	"online" boolean DEFAULT false NOT NULL,
	"last_seen_at" text,
	"reported_state" jsonb,
	"last_error_code" text,
	"decommissioned_at" text
);
--> statement-breakpoint
CREATE TABLE "events" (
	"device_id" text NOT NULL,
	"event_id" text NOT NULL,
	"kind" text NOT NULL,
	"code" text,
	"at" text NOT NULL,
	"received_at" text NOT NULL,
	"body" jsonb NOT NULL,
	CONSTRAINT "events_device_id_event_id_pk" PRIMARY KEY("device_id","event_id")
);
--> statement-breakpoint
CREATE TABLE "feedback_labels" (
	"key" text PRIMARY KEY NOT NULL,
	"model" text NOT NULL,
	"version" text NOT NULL,
	"device_id" text NOT NULL,
	"predicted_at" text NOT NULL,
	"predicted" text NOT NULL,
	"label" text NOT NULL,
	"count" integer NOT NULL,
	"received_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "model_versions" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "model_versions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"model" text NOT NULL,
	"version" text NOT NULL,
	"release_counter" bigint NOT NULL,
	"sha256" text NOT NULL,
	"size" bigint NOT NULL,
	"io" jsonb NOT NULL,
	"opset" integer,
	"probe" jsonb NOT NULL,
	"manifest" jsonb NOT NULL,
	"created_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "models" (
	"name" text PRIMARY KEY NOT NULL,
	"created_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "notifications_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"kind" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" text NOT NULL,
	"delivered_at" text,
	"status" text NOT NULL,
	"last_error" text
);
--> statement-breakpoint
CREATE TABLE "rings" (
	"name" text PRIMARY KEY NOT NULL,
	"position" integer NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rollout_members" (
	"rollout_id" text NOT NULL,
	"device_id" text NOT NULL,
	"step" integer NOT NULL,
	"mode" text DEFAULT 'active' NOT NULL,
	"previous_model" text,
	"previous_version" text,
	"assigned_seq" bigint,
	"assigned_at" text NOT NULL,
	"status" text NOT NULL,
	"error" text,
	CONSTRAINT "rollout_members_rollout_id_device_id_pk" PRIMARY KEY("rollout_id","device_id")
);
--> statement-breakpoint
CREATE TABLE "rollouts" (
	"id" text PRIMARY KEY NOT NULL,
	"model" text NOT NULL,
	"version" text NOT NULL,
	"plan" jsonb NOT NULL,
	"state" text NOT NULL,
	"step" integer NOT NULL,
	"step_started_at" text NOT NULL,
	"advance" boolean DEFAULT false NOT NULL,
	"reverted" boolean DEFAULT false NOT NULL,
	"halt" jsonb,
	"gate" jsonb,
	"supersedes" text,
	"superseded_by" text,
	"created_by" text NOT NULL,
	"created_at" text NOT NULL,
	"updated_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "shadow_buckets" (
	"device_id" text NOT NULL,
	"model" text NOT NULL,
	"version" text NOT NULL,
	"hour" text NOT NULL,
	"shadow_model" text NOT NULL,
	"shadow_version" text NOT NULL,
	"shadow_sha256" text NOT NULL,
	"windows" integer NOT NULL,
	"merged" jsonb NOT NULL,
	"updated_at" text NOT NULL,
	CONSTRAINT "shadow_buckets_pk" PRIMARY KEY("device_id","model","version","hour","shadow_model","shadow_version","shadow_sha256")
);
--> statement-breakpoint
CREATE TABLE "stats_buckets" (
	"device_id" text NOT NULL,
	"model" text NOT NULL,
	"version" text NOT NULL,
	"hour" text NOT NULL,
	"sha256" text NOT NULL,
	"windows" integer NOT NULL,
	"merged" jsonb NOT NULL,
	"updated_at" text NOT NULL,
	CONSTRAINT "stats_buckets_device_id_model_version_hour_pk" PRIMARY KEY("device_id","model","version","hour")
);
--> statement-breakpoint
CREATE TABLE "stats_messages" (
	"msg_id" text PRIMARY KEY NOT NULL,
	"device_id" text NOT NULL,
	"model" text,
	"version" text,
	"window_start" text NOT NULL,
	"received_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "training_logs" (
	"run_id" text NOT NULL,
	"seq" integer NOT NULL,
	"at" text NOT NULL,
	"level" text NOT NULL,
	"message" text NOT NULL,
	CONSTRAINT "training_logs_run_id_seq_pk" PRIMARY KEY("run_id","seq")
);
--> statement-breakpoint
CREATE TABLE "training_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"request" jsonb NOT NULL,
	"dataset_id" text NOT NULL,
	"model" text NOT NULL,
	"progress_permille" integer DEFAULT 0 NOT NULL,
	"stage" text DEFAULT 'queued' NOT NULL,
	"epochs" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"trials" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"params" jsonb,
	"metrics" jsonb,
	"baseline_metrics" jsonb,
	"error" jsonb,
	"code_version" text NOT NULL,
	"result_version" text,
	"trigger" jsonb,
	"created_at" text NOT NULL,
	"started_at" text,
	"finished_at" text,
	"duration_ms" bigint
);
--> statement-breakpoint
ALTER TABLE "assignments" ADD CONSTRAINT "assignments_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "device_seq" ADD CONSTRAINT "device_seq_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_model_models_name_fk" FOREIGN KEY ("model") REFERENCES "public"."models"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollout_members" ADD CONSTRAINT "rollout_members_rollout_id_rollouts_id_fk" FOREIGN KEY ("rollout_id") REFERENCES "public"."rollouts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_logs" ADD CONSTRAINT "training_logs_run_id_training_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."training_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_runs" ADD CONSTRAINT "training_runs_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "alerts_version" ON "alerts" USING btree ("model","version","scope","status");--> statement-breakpoint
CREATE INDEX "alerts_opened" ON "alerts" USING btree ("opened_at");--> statement-breakpoint
CREATE INDEX "audit_subject" ON "audit" USING btree ("subject","id");--> statement-breakpoint
CREATE INDEX "datasets_name" ON "datasets" USING btree ("name","created_at");--> statement-breakpoint
CREATE INDEX "events_at" ON "events" USING btree ("at");--> statement-breakpoint
CREATE INDEX "feedback_version_time" ON "feedback_labels" USING btree ("model","version","predicted_at");--> statement-breakpoint
CREATE INDEX "feedback_device" ON "feedback_labels" USING btree ("device_id","predicted_at");--> statement-breakpoint
CREATE UNIQUE INDEX "model_versions_model_version" ON "model_versions" USING btree ("model","version");--> statement-breakpoint
CREATE UNIQUE INDEX "model_versions_model_counter" ON "model_versions" USING btree ("model","release_counter");--> statement-breakpoint
CREATE INDEX "notifications_pending" ON "notifications" USING btree ("status","next_attempt_at");--> statement-breakpoint
CREATE INDEX "rollout_members_device" ON "rollout_members" USING btree ("device_id");--> statement-breakpoint
CREATE INDEX "rollouts_model_state" ON "rollouts" USING btree ("model","state");--> statement-breakpoint
CREATE INDEX "rollouts_created" ON "rollouts" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "shadow_buckets_candidate_hour" ON "shadow_buckets" USING btree ("shadow_model","shadow_version","hour");--> statement-breakpoint
CREATE INDEX "stats_buckets_version_hour" ON "stats_buckets" USING btree ("model","version","hour");--> statement-breakpoint
CREATE INDEX "stats_messages_window_start" ON "stats_messages" USING btree ("window_start");--> statement-breakpoint
CREATE INDEX "training_runs_created" ON "training_runs" USING btree ("created_at");