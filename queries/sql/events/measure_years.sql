-- measure_years: the financial years in which each ratio measure has events, with how
--   many (the year choices, read on every page without scanning measure_events).
-- Grain: one row per measure and financial year (fy_start: the year the April starts in).
-- Parameters: none; materialised at load time, after measure_events.
select measure, fy_start, count(*) as events
from measure_events
group by measure, fy_start
order by measure, fy_start
