-- leading comment; with 'quote and "ident and $$ dollar
SELECT 1; -- after; 'unclosed
-- /* not a block comment
SELECT 2 -- inside the statement; "
;
SELECT 3--no space needed;
, 4;
