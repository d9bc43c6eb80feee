ALTER TABLE `datasets` ADD `archived_at` text;--> statement-breakpoint
ALTER TABLE `datasets` ADD `deleted_at` text;--> statement-breakpoint
ALTER TABLE `model_versions` ADD `archived_at` text;--> statement-breakpoint
ALTER TABLE `model_versions` ADD `deleted_at` text;--> statement-breakpoint
CREATE INDEX `model_versions_sha256` ON `model_versions` (`sha256`);