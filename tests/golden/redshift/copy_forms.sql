-- a manifest, an IAM role, the region
COPY "analytics"."events" ("ts", "name") FROM 's3://bucket/analytics_events_2026-11-21T09:00:00Z.manifest' MANIFEST GZIP FORMAT AS JSON 'auto ignorecase' TIMEFORMAT 'auto' DATEFORMAT 'auto' REGION 'eu-west-1' STATUPDATE OFF IAM_ROLE '***';

-- one plain file into a staging table, keys and a token, no region
COPY "rio_stage_0123456789ab" ("ts", "name") FROM 's3://bucket/analytics_events_2026-11-21T09:00:00Z.json' FORMAT AS JSON 'auto ignorecase' TIMEFORMAT 'epochmillisecs' DATEFORMAT 'auto' MAXERROR 10 TRUNCATECOLUMNS STATUPDATE OFF ACCESS_KEY_ID '***' SECRET_ACCESS_KEY '***' SESSION_TOKEN '***';

