CREATE TABLE `enrolment_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`token_hash` text NOT NULL,
	`ring` text NOT NULL,
	`tags` text NOT NULL,
	`max_enrolments` integer NOT NULL,
	`used` integer DEFAULT 0 NOT NULL,
	`label` text DEFAULT '' NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	`revoked_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `enrolment_tokens_token_hash` ON `enrolment_tokens` (`token_hash`);--> statement-breakpoint
CREATE INDEX `enrolment_tokens_created` ON `enrolment_tokens` (`created_at`);