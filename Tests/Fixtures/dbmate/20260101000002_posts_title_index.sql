-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY posts_title ON posts (title);

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY posts_title;
