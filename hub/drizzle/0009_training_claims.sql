CREATE TABLE `training_trials` (
	`run_id` text NOT NULL,
	`trial_index` integer NOT NULL,
	`params` text NOT NULL,
	`status` text NOT NULL,
	`queued_at` text NOT NULL,
	`claimed_by` text,
	`claimed_until_ms` integer,
	`attempts` integer DEFAULT 0 NOT NULL,
	`progress_permille` integer DEFAULT 0 NOT NULL,
	`epochs` text DEFAULT '[]' NOT NULL,
	`metrics` text,
	`error` text,
	`started_at` text,
	`finished_at` text,
	PRIMARY KEY(`run_id`, `trial_index`),
	FOREIGN KEY (`run_id`) REFERENCES `training_runs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `training_trials_status` ON `training_trials` (`status`,`queued_at`);--> statement-breakpoint
ALTER TABLE `training_runs` ADD `claimed_by` text;--> statement-breakpoint
ALTER TABLE `training_runs` ADD `claimed_until_ms` integer;--> statement-breakpoint
ALTER TABLE `training_runs` ADD `attempts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `training_runs_status` ON `training_runs` (`status`,`created_at`);