-- data_years: the financial years (start year) that hold at least one KPI event.
-- Grain: one row per financial year, newest first. Parameters: none.
select distinct fy_start from measure_events order by fy_start desc
