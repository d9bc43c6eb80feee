CREATE TABLE `datasets` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`rows` integer NOT NULL,
	`size_bytes` integer NOT NULL,
	`columns` text NOT NULL,
	`summary` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `datasets_name` ON `datasets` (`name`,`created_at`);--> statement-breakpoint
CREATE TABLE `training_logs` (
	`run_id` text NOT NULL,
	`seq` integer NOT NULL,
	`at` text NOT NULL,
	`level` text NOT NULL,
	`message` text NOT NULL,
	PRIMARY KEY(`run_id`, `seq`),
	FOREIGN KEY (`run_id`) REFERENCES `training_runs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `training_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`request` text NOT NULL,
	`dataset_id` text NOT NULL,
	`model` text NOT NULL,
	`progress_permille` integer DEFAULT 0 NOT NULL,
	`stage` text DEFAULT 'queued' NOT NULL,
	`epochs` text DEFAULT '[]' NOT NULL,
	`trials` text DEFAULT '[]' NOT NULL,
	`params` text,
	`metrics` text,
	`baseline_metrics` text,
	`error` text,
	`code_version` text NOT NULL,
	`result_version` text,
	`created_at` text NOT NULL,
	`started_at` text,
	`finished_at` text,
	`duration_ms` integer,
	FOREIGN KEY (`dataset_id`) REFERENCES `datasets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `training_runs_created` ON `training_runs` (`created_at`);