/* header; /* nested; */ still comment; */
SELECT 1 /* inline; /* deep */ ; */ + 1;
/**/SELECT 2;/* trailing ; */
SELECT /* 'not a string */ 3;
