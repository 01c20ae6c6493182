CREATE TABLE "odd;name" ("say ""hi"";" text, "it's" int);
SELECT "odd;name"."it's" FROM "odd;name";
SELECT 1 AS """";
