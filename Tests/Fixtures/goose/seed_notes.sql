-- No numeric prefix: goose skips this file, and so does Strata (with a warning).
SELECT 1;
