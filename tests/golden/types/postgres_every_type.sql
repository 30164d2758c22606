CREATE SCHEMA IF NOT EXISTS "typed";

CREATE TABLE IF NOT EXISTS "typed"."every" (
  "ts" timestamp,
  "small" smallint DEFAULT -1,
  "whole" integer,
  "big" bigint,
  "price" numeric(12,2) DEFAULT 0.00,
  "ratio" real,
  "score" double precision,
  "ok" boolean,
  "code" char(3),
  "word" varchar(16),
  "note" varchar(256),
  "body" varchar(65535),
  "day" date DEFAULT CURRENT_DATE,
  "clock" time,
  "clock_tz" timetz,
  "seen" timestamptz,
  "doc" jsonb
);

ALTER TABLE "typed"."every" ADD COLUMN "added_doc" jsonb;

ALTER TABLE "typed"."every" ADD COLUMN "added_price" numeric(5,1) DEFAULT 1.5;

ALTER TABLE "typed"."every" ALTER COLUMN "word" TYPE varchar(64);

ALTER TABLE "typed"."every" ALTER COLUMN "price" TYPE numeric(14,2);

