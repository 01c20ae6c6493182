CREATE TABLE log (msg TEXT);
CREATE TRIGGER users_ai AFTER INSERT ON users
BEGIN
    INSERT INTO log (msg) VALUES ('inserted ' || new.id);
    UPDATE counters SET n = n + 1 WHERE name = 'users';
END;
BEGIN IMMEDIATE;
INSERT INTO users (id) VALUES (1);
COMMIT;
