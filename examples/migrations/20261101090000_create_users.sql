-- strata:up
CREATE TABLE users (
    id integer PRIMARY KEY,
    email text NOT NULL UNIQUE,
    display_name text,
    created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- strata:down
DROP TABLE users;

-- strata:verify
SELECT id, email, display_name, created_at FROM users LIMIT 0;
