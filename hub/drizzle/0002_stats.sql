CREATE TABLE `stats_buckets` (
	`device_id` text NOT NULL,
	`model` text NOT NULL,
	`version` text NOT NULL,
	`hour` text NOT NULL,
	`sha256` text NOT NULL,
	`windows` integer NOT NULL,
	`merged` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`device_id`, `model`, `version`, `hour`)
);
--> statement-breakpoint
CREATE INDEX `stats_buckets_version_hour` ON `stats_buckets` (`model`,`version`,`hour`);--> statement-breakpoint
CREATE TABLE `stats_messages` (
	`msg_id` text PRIMARY KEY NOT NULL,
	`device_id` text NOT NULL,
	`window_start` text NOT NULL,
	`received_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `stats_messages_window_start` ON `stats_messages` (`window_start`);