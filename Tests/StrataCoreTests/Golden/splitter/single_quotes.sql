INSERT INTO notes (body) VALUES ('it''s; fine');
INSERT INTO notes (body) VALUES ('C:\dir\'); SELECT 'back\slash;';
SELECT '', ''''; SELECT 'multi
line; string';
SELECT 'a' -- comment with 'quote
    'b';
