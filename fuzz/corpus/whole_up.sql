-- strata:up
CREATE TABLE t (id int);

;;
SELECT 1
