ALTER TABLE "analytics"."orders" ALTER COLUMN "customer" TYPE varchar(65535);

BEGIN;

LOCK "analytics"."orders";

ALTER TABLE "analytics"."orders" ADD COLUMN "country" varchar(256);

CREATE TEMPORARY TABLE "rio_stage_<random>" (LIKE "analytics"."orders");

COPY "rio_stage_<random>" ("ordered_at", "id", "customer", "total", "paid", "loaded_at", "country") FROM 's3://<bucket>/analytics_orders_2026-11-21T09:00:00Z.manifest' MANIFEST GZIP FORMAT AS JSON 'auto ignorecase' TIMEFORMAT 'auto' DATEFORMAT 'auto' REGION 'us-east-1' STATUPDATE OFF ACCESS_KEY_ID '***' SECRET_ACCESS_KEY '***' SESSION_TOKEN '***';

DELETE FROM "analytics"."orders" USING "rio_stage_<random>" s WHERE ("analytics"."orders"."id" = s."id" OR ("analytics"."orders"."id" IS NULL AND s."id" IS NULL));

INSERT INTO "analytics"."orders" ("ordered_at", "id", "customer", "total", "paid", "loaded_at", "country") SELECT "ordered_at", "id", "customer", "total", "paid", "loaded_at", "country" FROM (SELECT "ordered_at", "id", "customer", "total", "paid", "loaded_at", "country", ROW_NUMBER() OVER (PARTITION BY "id" ORDER BY "ordered_at" DESC NULLS LAST) AS rio_rank FROM "rio_stage_<random>") ranked WHERE rio_rank = 1;

DROP TABLE IF EXISTS "rio_stage_<random>";

INSERT INTO "analytics"."rio_loads" ("schema_name", "table_name", "data_date", "mode", "manifest_url", "manifest_sha256", "rows_loaded", "job_id", "loaded_at") VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s);

COMMIT;

