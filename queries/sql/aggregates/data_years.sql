-- data_years: the financial years (start year) that hold at least one event of the given
--   measures (every KPI when $measures is null), so a year list offers only years with data.
-- Grain: one row per financial year, newest first.
-- Parameters: $measures (a list of measure names, or null for all).
select distinct fy_start
from measure_years
where $measures is null or list_contains($measures, measure)
order by fy_start desc
