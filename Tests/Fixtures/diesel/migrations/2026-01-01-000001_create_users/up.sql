CREATE TABLE users (
    id serial PRIMARY KEY,
    email text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER users_updated_at BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION stamp_updated_at();
