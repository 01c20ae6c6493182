SELECT (1));
SELECT 2;
SELECT ')(', "(", $$($$ /* ( */ -- (
;
SELECT count(*) FROM (SELECT 1) AS s; SELECT 3;
