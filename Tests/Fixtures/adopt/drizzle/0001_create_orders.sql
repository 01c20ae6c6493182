CREATE TABLE "orders" ("id" integer PRIMARY KEY, "user_id" integer NOT NULL);
--> statement-breakpoint
CREATE INDEX "orders_user_idx" ON "orders" ("user_id");
