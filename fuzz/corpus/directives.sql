-- strata:up
-- strata:no-transaction
-- strata:timeout 30m
-- strata:lock-timeout 5s
CREATE INDEX CONCURRENTLY i ON t (a);
-- strata:down
-- strata:timeout 1h
DROP INDEX CONCURRENTLY i;
-- strata:verify
SELECT 1 FROM pg_indexes WHERE indexname = 'i';
