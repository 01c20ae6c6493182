-- This file manages its own transaction: it runs as written, outside Strata's.
BEGIN;
CREATE TABLE audit_log (id serial PRIMARY KEY, note text);
INSERT INTO audit_log (note) VALUES ('created');
COMMIT;
