-- A pair layout: this file is the up section, the .down.sql file beside it the down section.
CREATE TABLE posts (
    id integer PRIMARY KEY,
    author_id integer NOT NULL REFERENCES users (id),
    title text NOT NULL,
    body text NOT NULL DEFAULT '',
    published_at timestamp
);
