ALTER TABLE accounts DROP CONSTRAINT balance_not_negative;
ALTER TABLE accounts DROP COLUMN balance;
