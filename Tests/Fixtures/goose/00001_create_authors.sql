-- Sequential, zero-padded version; the usual annotations.
-- +goose Up
CREATE TABLE authors (
    id bigserial PRIMARY KEY,
    name text NOT NULL
);
CREATE TABLE books (id bigserial PRIMARY KEY, author_id bigint REFERENCES authors (id), title text); -- a trailing comment

-- +goose Down
DROP TABLE books;
DROP TABLE authors;
