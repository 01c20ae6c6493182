-- Written without breakpoints ("breakpoints": false): several statements in one piece.
ALTER TABLE "customers" ADD COLUMN "email" text;
ALTER TABLE "customers" ADD CONSTRAINT "customers_email_unique" UNIQUE("email");
