CREATE TABLE `assignments` (
	`device_id` text PRIMARY KEY NOT NULL,
	`model` text NOT NULL,
	`version` text NOT NULL,
	`seq` integer NOT NULL,
	`doc` text NOT NULL,
	`previous_model` text,
	`previous_version` text,
	`assigned_at` text NOT NULL,
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `audit` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` text NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`subject` text NOT NULL,
	`details` text DEFAULT '{}' NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_subject` ON `audit` (`subject`,`id`);--> statement-breakpoint
CREATE TABLE `device_seq` (
	`device_id` text PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL,
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `devices` (
	`id` text PRIMARY KEY NOT NULL,
	`secret_hash` text NOT NULL,
	`ring` text NOT NULL,
	`tags` text NOT NULL,
	`created_at` text NOT NULL,
	`online` integer DEFAULT false NOT NULL,
	`last_seen_at` text,
	`reported_state` text,
	`last_error_code` text
);
--> statement-breakpoint
CREATE TABLE `events` (
	`device_id` text NOT NULL,
	`event_id` text NOT NULL,
	`kind` text NOT NULL,
	`code` text,
	`at` text NOT NULL,
	`received_at` text NOT NULL,
	`body` text NOT NULL,
	PRIMARY KEY(`device_id`, `event_id`)
);
--> statement-breakpoint
CREATE INDEX `events_at` ON `events` (`at`);--> statement-breakpoint
CREATE TABLE `model_versions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`model` text NOT NULL,
	`version` text NOT NULL,
	`release_counter` integer NOT NULL,
	`sha256` text NOT NULL,
	`size` integer NOT NULL,
	`io` text NOT NULL,
	`opset` integer,
	`probe` text NOT NULL,
	`manifest` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`model`) REFERENCES `models`(`name`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `model_versions_model_version` ON `model_versions` (`model`,`version`);--> statement-breakpoint
CREATE UNIQUE INDEX `model_versions_model_counter` ON `model_versions` (`model`,`release_counter`);--> statement-breakpoint
CREATE TABLE `models` (
	`name` text PRIMARY KEY NOT NULL,
	`created_at` text NOT NULL
);
