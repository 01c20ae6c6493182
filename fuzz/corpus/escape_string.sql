-- strata:up
SELECT E'a\'b;c', e'\\';
SELECT B'101', X'ff', N'x', U&'d\0061t';
