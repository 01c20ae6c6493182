-- Several statements in one file: golang-migrate sends the file whole, so they apply together or not at all.
ALTER TABLE accounts ADD COLUMN balance numeric(12, 2) NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD CONSTRAINT balance_not_negative CHECK (balance >= 0);
