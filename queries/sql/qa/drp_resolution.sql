-- drp_resolution: how long DRPs raised in a date range took to resolve, by level.
-- Grain: one row per level (FORMAL, INFORMAL): raised, resolved, still open, and the
--   median and 90th percentile of days from raised to resolved.
-- Parameters: $date_from, $date_to (inclusive, on raised_date).
select level,
       count(*) as raised,
       count(resolved_date) as resolved,
       count(*) - count(resolved_date) as still_open,
       median(date_diff('day', raised_date, resolved_date)) as median_days,
       quantile_cont(date_diff('day', raised_date, resolved_date), 0.9) as p90_days
from drps
where raised_date between $date_from and $date_to
group by level
order by level
