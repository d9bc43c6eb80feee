CREATE TABLE "leases" (
	"name" text PRIMARY KEY NOT NULL,
	"holder" text NOT NULL,
	"expires_at_ms" bigint NOT NULL,
	"token" bigint NOT NULL
);
