-- review_worklist: children in care whose next CLA review is due within $days days of
--   $today, or is already overdue, read from review_due (due dates built at load).
-- Grain: one row per open period of care whose next review is due by $today + $days.
--   Children appear by id only.
-- Parameters: $today (the day counted from: the real date, or the extract's);
--   $days (look-ahead, days); $team; $staff (null = all); $limit.
select r.child_id, r.period_start, r.next_review_number, r.last_review_date, r.due_date,
       date_diff('day', $today::date, r.due_date) as days_to_due,
       r.due_date < $today::date as overdue,
       case when r.due_date < $today::date then 'Overdue' else 'Due soon' end as status,
       r.staff_id, s.staff_name as iro_name, s.team
from review_due r
left join staff s on s.staff_id = r.staff_id
where r.due_date <= $today::date + to_days($days::integer)
  and ($team is null or s.team = $team)
  and ($staff is null or r.staff_id = $staff)
order by r.due_date, r.child_id
limit $limit
