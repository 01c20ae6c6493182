-- +goose Up
CREATE TABLE payments (id integer PRIMARY KEY, order_id integer NOT NULL REFERENCES orders (id));

-- +goose Down
DROP TABLE payments;
