CREATE SCHEMA IF NOT EXISTS "typed";

CREATE TABLE IF NOT EXISTS "typed"."every" (
  "ts" timestamp,
  "small" smallint DEFAULT -1,
  "whole" integer,
  "big" bigint,
  "price" decimal(12,2) DEFAULT 0.00,
  "ratio" real,
  "score" double,
  "ok" boolean,
  "code" varchar,
  "word" varchar,
  "note" varchar,
  "body" varchar,
  "day" date DEFAULT CURRENT_DATE,
  "clock" time,
  "clock_tz" timetz,
  "seen" timestamptz,
  "doc" json
);

ALTER TABLE "typed"."every" ADD COLUMN "added_doc" json;

ALTER TABLE "typed"."every" ADD COLUMN "added_price" decimal(5,1) DEFAULT 1.5;

-- no widths: nothing to widen;

ALTER TABLE "typed"."every" ALTER COLUMN "price" TYPE decimal(14,2);

