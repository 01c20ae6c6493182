-- A folder layout (dashes in the version are allowed): up.sql, down.sql and verify.sql.
CREATE INDEX posts_author_published ON posts (author_id, published_at);
