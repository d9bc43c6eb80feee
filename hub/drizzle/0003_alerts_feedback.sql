CREATE TABLE `alerts` (
	`id` text PRIMARY KEY NOT NULL,
	`model` text NOT NULL,
	`version` text NOT NULL,
	`scope` text NOT NULL,
	`status` text NOT NULL,
	`severity` text NOT NULL,
	`signals` text NOT NULL,
	`evidence` text NOT NULL,
	`alarming_evaluations` integer DEFAULT 0 NOT NULL,
	`quiet_evaluations` integer DEFAULT 0 NOT NULL,
	`opened_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`resolved_at` text
);
--> statement-breakpoint
CREATE INDEX `alerts_version` ON `alerts` (`model`,`version`,`scope`,`status`);--> statement-breakpoint
CREATE INDEX `alerts_opened` ON `alerts` (`opened_at`);--> statement-breakpoint
CREATE TABLE `feedback_labels` (
	`key` text PRIMARY KEY NOT NULL,
	`model` text NOT NULL,
	`version` text NOT NULL,
	`device_id` text NOT NULL,
	`predicted_at` text NOT NULL,
	`predicted` text NOT NULL,
	`label` text NOT NULL,
	`count` integer NOT NULL,
	`received_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `feedback_version_time` ON `feedback_labels` (`model`,`version`,`predicted_at`);--> statement-breakpoint
CREATE INDEX `feedback_device` ON `feedback_labels` (`device_id`,`predicted_at`);--> statement-breakpoint
CREATE TABLE `notifications` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`payload` text NOT NULL,
	`created_at` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` text NOT NULL,
	`delivered_at` text,
	`status` text NOT NULL,
	`last_error` text
);
--> statement-breakpoint
CREATE INDEX `notifications_pending` ON `notifications` (`status`,`next_attempt_at`);--> statement-breakpoint
ALTER TABLE `stats_messages` ADD `model` text;--> statement-breakpoint
ALTER TABLE `stats_messages` ADD `version` text;--> statement-breakpoint
ALTER TABLE `training_runs` ADD `trigger` text;