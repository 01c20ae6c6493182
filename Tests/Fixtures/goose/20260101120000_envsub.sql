-- A timestamp version after sequential ones (goose orders them as int64).
-- +goose Up
-- +goose ENVSUB ON
COMMENT ON TABLE authors IS 'owned by ${GOOSE_FIXTURE_OWNER:-nobody}';
-- +goose ENVSUB OFF
CREATE TABLE settings (key text PRIMARY KEY, value text NOT NULL DEFAULT '${not_expanded}');
INSERT INTO settings (key) VALUES ('greeting');

-- +goose Down
DROP TABLE settings;
COMMENT ON TABLE authors IS NULL;
