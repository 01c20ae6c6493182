CREATE INDEX CONCURRENTLY IF NOT EXISTS "orders_customer_idx" ON "orders" USING btree ("customer_id");
