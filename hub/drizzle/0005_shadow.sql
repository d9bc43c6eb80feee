CREATE TABLE `shadow_buckets` (
	`device_id` text NOT NULL,
	`model` text NOT NULL,
	`version` text NOT NULL,
	`hour` text NOT NULL,
	`shadow_model` text NOT NULL,
	`shadow_version` text NOT NULL,
	`shadow_sha256` text NOT NULL,
	`windows` integer NOT NULL,
	`merged` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`device_id`, `model`, `version`, `hour`, `shadow_model`, `shadow_version`, `shadow_sha256`)
);
--> statement-breakpoint
CREATE INDEX `shadow_buckets_candidate_hour` ON `shadow_buckets` (`shadow_model`,`shadow_version`,`hour`);--> statement-breakpoint
ALTER TABLE `assignments` ADD `shadow_model` text;--> statement-breakpoint
ALTER TABLE `assignments` ADD `shadow_version` text;