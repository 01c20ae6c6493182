-- +goose Up
CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL);

-- +goose Down
DROP TABLE users;
