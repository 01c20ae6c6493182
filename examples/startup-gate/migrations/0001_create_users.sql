-- strata:up
CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL);
-- strata:down
DROP TABLE users;
