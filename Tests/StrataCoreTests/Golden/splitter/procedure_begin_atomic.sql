CREATE OR REPLACE PROCEDURE transfer(src int, dst int, amount numeric)
LANGUAGE sql
BEGIN ATOMIC
    UPDATE accounts SET balance = balance - amount WHERE id = src;
    UPDATE accounts
       SET balance = balance + CASE WHEN amount > 0 THEN amount ELSE 0 END
     WHERE id = dst;
    INSERT INTO ledger (src, dst, kind)
    VALUES (src, dst, CASE WHEN amount > 1000 THEN 'large; review' ELSE 'small' END);
END;
CALL transfer(1, 2, 10.00);
