CREATE FUNCTION grade(score int) RETURNS text
    LANGUAGE sql
BEGIN ATOMIC
    SELECT CASE WHEN score >= 90 THEN 'A;' WHEN score >= 80 THEN 'B' ELSE 'C' END;
    SELECT 'second; statement';
END;
CREATE PROCEDURE insert_data(a integer, b integer)
LANGUAGE SQL
begin atomic
  INSERT INTO tbl VALUES (a);
  INSERT INTO tbl VALUES (CASE b WHEN 0 THEN 1 ELSE b END);
end;
SELECT grade(95);
