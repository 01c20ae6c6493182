-- Revert shop:product_state from pg

BEGIN;

DROP TYPE product_state;

COMMIT;
