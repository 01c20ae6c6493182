DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
        EXECUTE 'ANALYZE ' || quote_ident(r.tablename) || ';';
    END LOOP;
    IF NOT FOUND THEN
        RAISE NOTICE 'no tables; nothing to do';
    END IF;
END
$$;
DO LANGUAGE plpgsql $do$ BEGIN PERFORM 1; END $do$;
