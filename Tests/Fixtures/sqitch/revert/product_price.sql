-- Revert shop:product_price from pg (back to v1.0)

BEGIN;

CREATE OR REPLACE FUNCTION product_price(p products) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
    SELECT p.price_cents;
$$;

COMMIT;
