-- Runs outside a transaction: see V2__refresh_statistics.sql.conf.
CREATE TABLE customer_stats (customer_id bigint PRIMARY KEY, orders integer NOT NULL DEFAULT 0);
ANALYZE customers;
