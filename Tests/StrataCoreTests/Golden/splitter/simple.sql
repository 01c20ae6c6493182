CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);
CREATE UNIQUE INDEX users_email ON users (email);

  INSERT INTO users (id, email) VALUES (1, 'a@example.com');
    ALTER TABLE users ADD COLUMN name text;
