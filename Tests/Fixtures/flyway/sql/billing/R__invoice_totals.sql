CREATE OR REPLACE VIEW invoice_totals AS
    SELECT customer_id, sum(total_cents) AS total_cents FROM invoices GROUP BY customer_id;
