ALTER TABLE "orders" ADD COLUMN "total_cents" integer DEFAULT 0 NOT NULL;
