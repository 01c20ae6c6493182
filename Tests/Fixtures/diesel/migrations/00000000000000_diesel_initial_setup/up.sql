-- Version zero, as `diesel setup` names its first folder: helpers later migrations use.
CREATE OR REPLACE FUNCTION stamp_updated_at() RETURNS trigger AS $$
BEGIN
    IF NEW IS DISTINCT FROM OLD THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
