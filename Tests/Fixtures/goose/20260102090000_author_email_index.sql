-- No NO TRANSACTION annotation: CREATE INDEX CONCURRENTLY still runs outside a transaction.
-- +goose Up
CREATE UNIQUE INDEX CONCURRENTLY authors_name ON authors (name);

-- +goose Down
DROP INDEX authors_name;
