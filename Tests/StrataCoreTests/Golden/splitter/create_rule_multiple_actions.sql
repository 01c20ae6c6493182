CREATE RULE r AS ON INSERT TO t DO INSTEAD (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));
CREATE RULE log_update AS ON UPDATE TO accounts
    DO ALSO (
        INSERT INTO audit (note) VALUES ('changed; (really');
        NOTIFY accounts_changed;
    );
SELECT 1;
