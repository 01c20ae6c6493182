-- Two up/down pairs in one file: dbmate runs the up blocks in file order, and the down blocks in file order too.
-- migrate:up
CREATE TABLE tags (id serial PRIMARY KEY, label text UNIQUE NOT NULL);
-- migrate:down
DROP TABLE IF EXISTS post_tags;
DROP TABLE tags;

-- migrate:up
CREATE TABLE post_tags (post_id bigint REFERENCES posts (id), tag_id int REFERENCES tags (id), PRIMARY KEY (post_id, tag_id));
-- migrate:down
DROP TABLE IF EXISTS post_tags;
