-- A comment before the up block is allowed.

-- migrate:up
CREATE FUNCTION word_count(t text) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN coalesce(array_length(regexp_split_to_array(trim(t), '\s+'), 1), 0);
END;
$$;
ALTER TABLE posts ADD COLUMN words int GENERATED ALWAYS AS (word_count(body)) STORED;

-- migrate:down
ALTER TABLE posts DROP COLUMN words;
DROP FUNCTION word_count(text);
