-- Unpadded version; annotation words in other cases (the prefix itself must be lower case, as goose requires); a PL/pgSQL body between StatementBegin and StatementEnd.
-- +goose up
-- +goose statementbegin
CREATE FUNCTION touch_title() RETURNS trigger AS $$
BEGIN
    NEW.title := trim(NEW.title);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER books_touch BEFORE INSERT ON books
    FOR EACH ROW EXECUTE FUNCTION touch_title();

-- +goose DOWN
DROP TRIGGER books_touch ON books;
-- +goose STATEMENTBEGIN
DROP FUNCTION touch_title();
-- +goose statementEnd
