BEGIN;

CREATE SCHEMA IF NOT EXISTS "analytics";

CREATE TABLE IF NOT EXISTS "analytics"."rio_loads" (
  "schema_name" varchar(127) NOT NULL,
  "table_name" varchar(127) NOT NULL,
  "data_date" timestamp NOT NULL,
  "mode" varchar(16) NOT NULL,
  "manifest_url" varchar(1024),
  "manifest_sha256" varchar(64),
  "rows_loaded" bigint NOT NULL,
  "job_id" varchar(128),
  "loaded_at" timestamp NOT NULL
);

COMMIT;

BEGIN;

CREATE SCHEMA IF NOT EXISTS "analytics";

CREATE TABLE IF NOT EXISTS "analytics"."orders" (
  "ordered_at" timestamp NOT NULL,
  "id" bigint NOT NULL,
  "customer" varchar(256),
  "total" double precision DEFAULT 0.0,
  "paid" boolean DEFAULT FALSE,
  "loaded_at" timestamp DEFAULT GETDATE(),
  PRIMARY KEY ("id")
)
DISTSTYLE KEY DISTKEY ("id")
COMPOUND SORTKEY ("ordered_at", "id");

LOCK "analytics"."orders";

COPY "analytics"."orders" ("ordered_at", "id", "customer", "total", "paid", "loaded_at") FROM 's3://<bucket>/analytics_orders_2026-11-20T09:00:00Z.manifest' MANIFEST GZIP FORMAT AS JSON 'auto ignorecase' TIMEFORMAT 'auto' DATEFORMAT 'auto' REGION 'us-east-1' STATUPDATE OFF IAM_ROLE '***';

INSERT INTO "analytics"."rio_loads" ("schema_name", "table_name", "data_date", "mode", "manifest_url", "manifest_sha256", "rows_loaded", "job_id", "loaded_at") VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s);

COMMIT;

