-- Version 10 sorts after 5 (numerically, as golang-migrate orders uint versions), not after 1 as text would.
ALTER TABLE accounts ADD COLUMN display_name text;
