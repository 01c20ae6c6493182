-- Revert shop:product_price from pg (as of v1.0)

BEGIN;

DROP FUNCTION product_price(products);

COMMIT;
