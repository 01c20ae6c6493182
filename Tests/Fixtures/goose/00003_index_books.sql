-- +goose NO TRANSACTION
-- +goose Up
CREATE INDEX CONCURRENTLY books_title ON books (title);
ALTER TABLE books ADD COLUMN isbn text;

-- +goose Down
DROP INDEX CONCURRENTLY books_title;
ALTER TABLE books DROP COLUMN isbn;
