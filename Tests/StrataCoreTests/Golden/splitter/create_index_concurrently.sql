-- strata:no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_created_at
    ON orders (created_at);
DROP INDEX CONCURRENTLY IF EXISTS orders_old;
