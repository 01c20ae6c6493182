-- Verify shop:product_state on pg

BEGIN;

SELECT 'draft'::product_state;

ROLLBACK;
