-- review_records: the CLA reviews behind a timeliness figure, late ones first.
-- Grain: one row per review event held from $date_from to $date_to inclusive. Children
--   appear by id only.
-- Parameters: $date_from, $date_to (dates); $team (null = all); $staff (null = all);
--   $only_late (true = late reviews only); $limit (most rows returned).
select e.child_id,
       e.period_start,
       e.review_number,
       e.due_date,
       e.review_date,
       e.days_late,
       e.on_time,
       e.iro_id,
       s.staff_name as iro_name,
       e.team,
       e.participation_code,
       e.review_id
from cla_review_events e
left join staff s on s.staff_id = e.iro_id
where e.review_date between $date_from and $date_to
  and ($team is null or e.team = $team)
  and ($staff is null or e.iro_id = $staff)
  and (not $only_late or not e.on_time)
order by e.on_time, e.days_late desc, e.review_date desc, e.review_id
limit $limit
