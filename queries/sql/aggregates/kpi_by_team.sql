-- kpi_by_team: one KPI's numerator and denominator per team over a date range.
-- Grain: one row per team (staff.team of the IRO or chair) with at least one event.
-- Parameters: $measure (a KPI name); $date_from, $date_to (inclusive).
select coalesce(team, 'No team recorded') as team,
       count(*) filter (where in_numerator) as numerator,
       count(*) as denominator
from measure_events
where measure = $measure
  and event_date between $date_from and $date_to
group by all
order by team
