-- migrate:up
COMMENT ON TABLE posts IS 'blog posts';
-- migrate:down
