-- Not in meta/_journal.json: drizzle never runs it; Strata skips it with a warning.
DROP TABLE "orders";
