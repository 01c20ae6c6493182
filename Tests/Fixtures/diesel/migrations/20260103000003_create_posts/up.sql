-- A version written without dashes sorts with the dashed ones (diesel compares the versions with dashes removed).
CREATE TABLE posts (id serial PRIMARY KEY, user_id int NOT NULL REFERENCES users (id), title text NOT NULL);
