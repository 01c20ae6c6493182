-- Verify shop:products on pg

BEGIN;

SELECT id, name, state, price_cents FROM products WHERE false;

ROLLBACK;
