-- open_drps: DRPs not resolved by the extract date, oldest first, with their age and
--   whether the response is overdue (its due date has passed).
-- Grain: one row per unresolved DRP. Children appear by id only.
-- Parameters: $team, $staff (the raising IRO's team / id; null = all); $limit.
select d.drp_id, d.child_id, d.level, d.stage, d.sw_team, d.issue_category, d.raised_date,
       d.response_due_date,
       date_diff('day', d.raised_date, x.d) as age_days,
       coalesce(d.response_due_date < x.d, false) as response_overdue,
       s.staff_name as raised_by_name, s.team
from drps d
cross join extract_date x
left join staff s on s.staff_id = d.raised_by
where d.resolved_date is null
  and ($team is null or s.team = $team)
  and ($staff is null or d.raised_by = $staff)
order by d.raised_date, d.drp_id
limit $limit
