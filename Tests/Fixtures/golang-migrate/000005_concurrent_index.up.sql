CREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_email ON accounts (email);
