ALTER TABLE t ADD COLUMN begin date; SELECT 1;
CREATE TABLE t2 (begin date, x int); SELECT 1;
CREATE TABLE spans (
    id int PRIMARY KEY,
    begin timestamptz NOT NULL,
    finish timestamptz
);
UPDATE spans SET begin = now() WHERE begin IS NULL;
SELECT begin, finish FROM spans ORDER BY begin;
ALTER TABLE spans RENAME COLUMN begin TO starts_at;
