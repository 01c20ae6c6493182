-- An unpadded version among padded ones; a function body with semicolons inside dollar quotes.
CREATE TABLE ledger (id serial PRIMARY KEY, account_id int REFERENCES accounts (id), amount numeric(12, 2) NOT NULL);
CREATE FUNCTION ledger_total(acc int) RETURNS numeric LANGUAGE sql AS $body$
    SELECT coalesce(sum(amount), 0) FROM ledger WHERE account_id = acc;
$body$;
