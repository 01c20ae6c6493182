DELETE FROM users WHERE email = 'first@example.com';
