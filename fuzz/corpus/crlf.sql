-- strata:up
SELECT 1;
-- strata:down
SELECT 2;
