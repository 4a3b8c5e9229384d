-- count_by_staff: one counted measure per IRO (or raiser, or auditor) over a date range.
-- Grain: one row per staff_id with at least one event.
-- Parameters: $measure (a count measure); $date_from, $date_to (inclusive); $team.
select c.staff_id, coalesce(s.staff_name, c.staff_id) as staff_name, c.team,
       count(*) as events
from count_events c
left join staff s on s.staff_id = c.staff_id
where c.measure = $measure
  and c.event_date between $date_from and $date_to
  and ($team is null or c.team = $team)
group by all
order by events desc, staff_name
