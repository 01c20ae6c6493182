-- strata:up
INSERT INTO t VALUES ('a;b', 'it''s');
SELECT "we;ird""id" FROM t;
