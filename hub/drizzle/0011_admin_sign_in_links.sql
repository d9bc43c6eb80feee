CREATE TABLE `admin_sign_in_links` (
	`id_hash` text PRIMARY KEY NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `admin_sign_in_links_expires` ON `admin_sign_in_links` (`expires_at`);