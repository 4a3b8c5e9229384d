-- kpi_monthly: one KPI's numerator and denominator per calendar month for a run of
--   financial years (April to March).
-- Grain: one row per financial year and month with at least one event; the caller fills
--   months with no events (denominator 0, null rate).
-- Parameters: $measure (a KPI name); $fy_from, $fy_to (start years of the first and last
--   financial year, e.g. 2020 for 2020-21); $team (null = every team); $staff (null = all).
select fy_start,
       month,
       count(*) filter (where in_numerator) as numerator,
       count(*) as denominator
from measure_events
where measure = $measure
  and fy_start between $fy_from and $fy_to
  and ($team is null or team = $team)
  and ($staff is null or staff_id = $staff)
group by fy_start, month
order by month
