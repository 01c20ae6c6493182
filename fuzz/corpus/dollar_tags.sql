-- strata:up
CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql AS $fn$
BEGIN
  RETURN $$a;b$$;
END
$fn$;
SELECT $1, a$b;
