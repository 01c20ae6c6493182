-- Deploy shop:products to pg
-- requires: product_state

BEGIN;

CREATE TABLE products (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL,
    state       product_state NOT NULL DEFAULT 'draft',
    price_cents integer NOT NULL
);

COMMIT;
