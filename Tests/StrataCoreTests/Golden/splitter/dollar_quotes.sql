CREATE FUNCTION one() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;
CREATE FUNCTION two() RETURNS text LANGUAGE plpgsql AS $body$
BEGIN
    -- $$ and $fn$ are just text here; so is ';'
    RETURN 'a;b' || $fn$ x; $fn$;
END;
$body$;
SELECT $q$it's "quoted"; /* not a comment $q$, $Ünï$;ü$Ünï$;
SELECT $a$ $ab$ x$a$;
