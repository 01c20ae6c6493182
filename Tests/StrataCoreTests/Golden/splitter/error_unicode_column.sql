SELECT 'ü'; SELECT "ñ" || 'ß;
