-- Deploy shop:product_search to pg
-- No BEGIN/COMMIT: CREATE INDEX CONCURRENTLY cannot run in a transaction.

CREATE INDEX CONCURRENTLY products_name_search ON products (lower(name));
