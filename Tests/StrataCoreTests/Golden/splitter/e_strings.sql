SELECT E'it\'s; still the string';
SELECT e'tab\t and \\'; SELECT E'x''y;z';
SELECT date'C:\'; SELECT 'after date literal';
SELECT (E'\\'); SELECT E'\';\'';
