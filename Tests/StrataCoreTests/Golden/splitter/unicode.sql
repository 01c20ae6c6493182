CREATE TABLE "naïve;table" (ünïcode text, 名前 text); SELECT 'é;😀' AS "ß";  SELECT 名前 FROM "naïve;table";
SELECT 'ünï' || 'cödé'; /* ü */ SELECT 3;
