DROP VIEW IF EXISTS invoice_totals;
DROP TABLE invoices;
