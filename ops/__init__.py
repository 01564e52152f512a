"""Operations: health endpoints and Prometheus metrics for the people who run Redress.

`/health/live` answers from the process alone (no database, no auth); `/health/ready` checks
the database, the cache, the broker and that the deadline sweep ran within two intervals;
`/metrics` exposes django-prometheus' metrics plus Redress gauges computed at scrape time
(`ops.selectors`), behind `REDRESS_METRICS_TOKEN` / `REDRESS_METRICS_ALLOWED_IPS` (neither set:
404). Reads only: nothing here writes a row. Sits above mail in the layers, so it may read every
app; no app imports it.
"""
