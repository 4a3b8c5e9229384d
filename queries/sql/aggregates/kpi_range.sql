-- kpi_range: each KPI's numerator and denominator over the events held in a date range.
-- Grain: one row per measure with at least one event; a measure with no row has
--   denominator 0 (the caller reports a null rate).
-- Parameters: $date_from, $date_to (dates, inclusive); $team (null = every team);
--   $staff (a staff_id, null = everyone).
select measure,
       count(*) filter (where in_numerator) as numerator,
       count(*) as denominator
from measure_events
where event_date between $date_from and $date_to
  and ($team is null or team = $team)
  and ($staff is null or staff_id = $staff)
group by measure
