-- strata:up
SELECT 1;
-- strata:timeout forever
-- strata:bogus
-- strata:up
