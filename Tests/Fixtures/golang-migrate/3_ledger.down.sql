DROP FUNCTION ledger_total(int);
DROP TABLE ledger;
