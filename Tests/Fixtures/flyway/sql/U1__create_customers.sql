DROP TABLE ${customer_table};
