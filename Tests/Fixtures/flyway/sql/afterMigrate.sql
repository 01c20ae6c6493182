-- A Flyway callback: not a migration. Strata warns and skips it.
SELECT 1;
