CREATE TABLE t (id int);
-- strata:up
