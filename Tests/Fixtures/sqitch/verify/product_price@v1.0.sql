-- Verify shop:product_price on pg (as of v1.0)

BEGIN;

SELECT has_function_privilege('product_price(products)', 'execute');

ROLLBACK;
