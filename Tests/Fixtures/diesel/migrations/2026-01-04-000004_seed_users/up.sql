INSERT INTO users (email) VALUES ('first@example.com');
