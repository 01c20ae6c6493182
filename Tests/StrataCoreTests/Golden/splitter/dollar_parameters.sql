PREPARE find(bigint) AS SELECT * FROM users WHERE id = $1;
EXECUTE find(1);
SELECT $1, $2 FROM t WHERE x = $10;
SELECT $1$ FROM t; SELECT 3;
