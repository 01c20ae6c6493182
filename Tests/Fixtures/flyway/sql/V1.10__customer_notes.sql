-- Version 1.10 comes after 1.2 (Flyway compares versions part by part, as numbers).
CREATE TABLE customer_notes (
    customer_id bigint NOT NULL REFERENCES customers (id),
    note text NOT NULL DEFAULT '${audit_note}'
);
