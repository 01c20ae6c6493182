-- Deploy shop:product_price to pg (as of v1.0)

BEGIN;

CREATE FUNCTION product_price(p products) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
    SELECT p.price_cents;
$$;

COMMIT;
