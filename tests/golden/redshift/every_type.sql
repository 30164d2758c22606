CREATE SCHEMA IF NOT EXISTS "analytics";

CREATE TABLE IF NOT EXISTS "analytics"."typed" (
  "ts" timestamp NOT NULL,
  "small" smallint DEFAULT -1,
  "whole" integer,
  "big" bigint NOT NULL,
  "price" numeric(12,2) DEFAULT 0.50,
  "ratio" real DEFAULT 0.25,
  "score" double precision,
  "ok" boolean DEFAULT TRUE,
  "code" char(3) DEFAULT 'NLD',
  "word" varchar(32),
  "note" varchar(256),
  "body" varchar(65535),
  "day" date DEFAULT '2026-11-21',
  "clock" time DEFAULT '10:15:00',
  "clock_tz" timetz DEFAULT '10:15:00+02:00',
  "seen" timestamptz DEFAULT '2026-11-21 10:15:00+00:00',
  "doc" super,
  PRIMARY KEY ("big")
)
DISTSTYLE KEY DISTKEY ("big")
COMPOUND SORTKEY ("ts");

ALTER TABLE "analytics"."typed" ADD COLUMN "added_int2" smallint;

ALTER TABLE "analytics"."typed" ADD COLUMN "added_numeric" numeric(38,37);

ALTER TABLE "analytics"."typed" ADD COLUMN "added_real" real;

ALTER TABLE "analytics"."typed" ADD COLUMN "added_char" char(4096);

ALTER TABLE "analytics"."typed" ADD COLUMN "added_varchar" varchar(65535);

ALTER TABLE "analytics"."typed" ADD COLUMN "added_timetz" timetz;

ALTER TABLE "analytics"."typed" ADD COLUMN "added_super" super;

ALTER TABLE "analytics"."typed" ALTER COLUMN "word" TYPE varchar(64);

