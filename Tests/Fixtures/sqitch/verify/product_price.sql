-- Verify shop:product_price on pg

BEGIN;

SELECT 1/(product_price(ROW(1, 'x', 'draft', 100)::products) = 120)::int;

ROLLBACK;
