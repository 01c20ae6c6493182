DROP FUNCTION IF EXISTS stamp_updated_at();
