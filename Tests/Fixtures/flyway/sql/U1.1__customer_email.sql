-- The repeatable view reads the column: drop it first (the next migrate recreates it).
DROP VIEW IF EXISTS customer_directory;
ALTER TABLE customers DROP COLUMN email;
