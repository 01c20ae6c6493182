CREATE TABLE a (id int);
CREATE TABLE b (
    id int
);
SELECT 1
-- trailing comment is after the last token but before the end of the statement
   