-- Flyway detects that CONCURRENTLY cannot run in a transaction; so does Strata.
CREATE INDEX CONCURRENTLY customers_email ON customers (email);
