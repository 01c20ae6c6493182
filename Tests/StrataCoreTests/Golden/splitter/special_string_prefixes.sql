SELECT B'1010', X'1F', N'national; text', U&'d\0061t\+000061;';
SELECT U&"d\0061t;a" FROM t; SELECT x'ff';
