-- ${flyway:filename}: the first table, named by a placeholder from flyway.toml.
CREATE TABLE ${customer_table} (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL
);
COMMENT ON TABLE ${flyway:defaultSchema}.${customer_table} IS 'owned by ${owner_role}';
