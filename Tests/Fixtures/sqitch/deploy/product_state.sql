-- Deploy shop:product_state to pg

BEGIN;

CREATE TYPE product_state AS ENUM ('draft', 'listed', 'retired');

COMMIT;
