-- Deploy shop:product_price to pg (reworked: prices include 20% tax)

BEGIN;

CREATE OR REPLACE FUNCTION product_price(p products) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
    SELECT (p.price_cents * 120) / 100;
$$;

COMMIT;
