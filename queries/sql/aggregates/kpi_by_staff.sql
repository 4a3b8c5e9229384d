-- kpi_by_staff: one KPI's numerator and denominator per IRO or chair over a date range.
-- Grain: one row per staff_id with at least one event in the range.
-- Parameters: $measure (a KPI name); $date_from, $date_to (inclusive); $team (null = all).
select m.staff_id,
       coalesce(s.staff_name, m.staff_id) as staff_name,
       m.team,
       count(*) filter (where m.in_numerator) as numerator,
       count(*) as denominator
from measure_events m
left join staff s on s.staff_id = m.staff_id
where m.measure = $measure
  and m.event_date between $date_from and $date_to
  and ($team is null or m.team = $team)
group by all
order by m.team, staff_name
