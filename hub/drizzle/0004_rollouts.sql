CREATE TABLE `rings` (
	`name` text PRIMARY KEY NOT NULL,
	`position` integer NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `rollout_members` (
	`rollout_id` text NOT NULL,
	`device_id` text NOT NULL,
	`step` integer NOT NULL,
	`previous_model` text,
	`previous_version` text,
	`assigned_seq` integer,
	`assigned_at` text NOT NULL,
	`status` text NOT NULL,
	`error` text,
	PRIMARY KEY(`rollout_id`, `device_id`),
	FOREIGN KEY (`rollout_id`) REFERENCES `rollouts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `rollout_members_device` ON `rollout_members` (`device_id`);--> statement-breakpoint
CREATE TABLE `rollouts` (
	`id` text PRIMARY KEY NOT NULL,
	`model` text NOT NULL,
	`version` text NOT NULL,
	`plan` text NOT NULL,
	`state` text NOT NULL,
	`step` integer NOT NULL,
	`step_started_at` text NOT NULL,
	`advance` integer DEFAULT false NOT NULL,
	`reverted` integer DEFAULT false NOT NULL,
	`halt` text,
	`gate` text,
	`supersedes` text,
	`superseded_by` text,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `rollouts_model_state` ON `rollouts` (`model`,`state`);--> statement-breakpoint
CREATE INDEX `rollouts_created` ON `rollouts` (`created_at`);