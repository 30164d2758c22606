-- TIMEFORMAT and DATEFORMAT strings
COPY "analytics"."events" ("ts", "day", "price") FROM 's3://bucket/analytics_events_2026-11-21T09:00:00Z.manifest' MANIFEST GZIP FORMAT AS JSON 'auto ignorecase' TIMEFORMAT 'YYYY-MM-DD HH:MI:SS' DATEFORMAT 'MON DD, YYYY' REGION 'eu-west-1' STATUPDATE OFF IAM_ROLE '***';

-- TIMEFORMAT epochsecs
COPY "analytics"."events" ("ts", "day", "price") FROM 's3://bucket/analytics_events_2026-11-21T09:00:00Z.manifest' MANIFEST GZIP FORMAT AS JSON 'auto ignorecase' TIMEFORMAT 'epochsecs' DATEFORMAT 'auto' REGION 'eu-west-1' STATUPDATE OFF IAM_ROLE '***';

-- TIMEFORMAT epochmillisecs
COPY "analytics"."events" ("ts", "day", "price") FROM 's3://bucket/analytics_events_2026-11-21T09:00:00Z.manifest' MANIFEST GZIP FORMAT AS JSON 'auto ignorecase' TIMEFORMAT 'epochmillisecs' DATEFORMAT 'auto' REGION 'eu-west-1' STATUPDATE OFF IAM_ROLE '***';

-- ACCEPTINVCHARS with its replacement
COPY "analytics"."events" ("ts", "day", "price") FROM 's3://bucket/analytics_events_2026-11-21T09:00:00Z.manifest' MANIFEST GZIP FORMAT AS JSON 'auto ignorecase' TIMEFORMAT 'auto' DATEFORMAT 'auto' REGION 'eu-west-1' ACCEPTINVCHARS AS '^' STATUPDATE OFF IAM_ROLE '***';

-- ACCEPTINVCHARS with a quote as its replacement
COPY "analytics"."events" ("ts", "day", "price") FROM 's3://bucket/analytics_events_2026-11-21T09:00:00Z.manifest' MANIFEST GZIP FORMAT AS JSON 'auto ignorecase' TIMEFORMAT 'auto' DATEFORMAT 'auto' REGION 'eu-west-1' ACCEPTINVCHARS AS '''' STATUPDATE OFF IAM_ROLE '***';

-- ROUNDEC
COPY "analytics"."events" ("ts", "day", "price") FROM 's3://bucket/analytics_events_2026-11-21T09:00:00Z.manifest' MANIFEST GZIP FORMAT AS JSON 'auto ignorecase' TIMEFORMAT 'auto' DATEFORMAT 'auto' REGION 'eu-west-1' ROUNDEC STATUPDATE OFF IAM_ROLE '***';

-- TRUNCATECOLUMNS
COPY "analytics"."events" ("ts", "day", "price") FROM 's3://bucket/analytics_events_2026-11-21T09:00:00Z.manifest' MANIFEST GZIP FORMAT AS JSON 'auto ignorecase' TIMEFORMAT 'auto' DATEFORMAT 'auto' REGION 'eu-west-1' TRUNCATECOLUMNS STATUPDATE OFF IAM_ROLE '***';

-- MAXERROR
COPY "analytics"."events" ("ts", "day", "price") FROM 's3://bucket/analytics_events_2026-11-21T09:00:00Z.manifest' MANIFEST GZIP FORMAT AS JSON 'auto ignorecase' TIMEFORMAT 'auto' DATEFORMAT 'auto' REGION 'eu-west-1' MAXERROR 10 STATUPDATE OFF IAM_ROLE '***';

-- every option at once
COPY "analytics"."events" ("ts", "day", "price") FROM 's3://bucket/analytics_events_2026-11-21T09:00:00Z.manifest' MANIFEST GZIP FORMAT AS JSON 'auto ignorecase' TIMEFORMAT 'epochmillisecs' DATEFORMAT 'DD.MM.YYYY' REGION 'eu-west-1' MAXERROR 100000 TRUNCATECOLUMNS ACCEPTINVCHARS AS '?' ROUNDEC STATUPDATE OFF IAM_ROLE '***';

