SELECT 'café;' AS "é"; SELECT 2; -- e + U+0301 COMBINING ACUTE is one character
🇫🇷;SELECT 3 /* flag: one character, two scalars */;
