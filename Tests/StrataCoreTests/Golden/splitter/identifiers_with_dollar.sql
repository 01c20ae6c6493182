CREATE TABLE a$b (c$$ int, d$x$ int);
SELECT a$b.c$$ FROM a$b;
SELECT c$$, d$x$ FROM a$b; SELECT 'done';
