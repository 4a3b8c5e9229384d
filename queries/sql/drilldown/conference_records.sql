-- conference_records: the ICPCs and review conferences behind the CP figures, late first.
-- Grain: one row per ICPC or RCPC event held from $date_from to $date_to inclusive.
--   clock_start is the s47 start (ICPC) or the anchor / previous RCPC (RCPC).
-- Parameters: $date_from, $date_to; $team; $staff (chair); $kind ('ICPC', 'RCPC' or null
--   for both); $only_late; $limit.
with events as (
    select 'ICPC' as kind, conference_id, child_id, s47_start_date as clock_start,
           due_date, conference_date, days_late, on_time, chair_id, team
    from icpc_events
    union all
    select 'RCPC', conference_id, child_id, coalesce(previous_rcpc_date, anchor_date),
           due_date, conference_date, days_late, on_time, chair_id, team
    from rcpc_events
)
select e.kind,
       e.child_id,
       e.clock_start,
       e.due_date,
       e.conference_date,
       e.days_late,
       e.on_time,
       e.chair_id,
       s.staff_name as chair_name,
       e.team,
       e.conference_id
from events e
left join staff s on s.staff_id = e.chair_id
where e.conference_date between $date_from and $date_to
  and ($kind is null or e.kind = $kind)
  and ($team is null or e.team = $team)
  and ($staff is null or e.chair_id = $staff)
  and (not $only_late or not e.on_time)
order by e.on_time, e.days_late desc, e.conference_date desc, e.conference_id
limit $limit
