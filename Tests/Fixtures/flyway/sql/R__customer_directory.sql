-- Repeatable: applied after every versioned migration, again whenever this file changes.
CREATE OR REPLACE VIEW customer_directory AS
    SELECT id, name, email FROM ${customer_table};
