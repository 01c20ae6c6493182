-- +goose Up
ALTER TABLE orders ADD COLUMN total_cents integer NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE orders DROP COLUMN total_cents;
