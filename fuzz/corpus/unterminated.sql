-- strata:up
SELECT 'oops;
SELECT $x$ never
/* open
