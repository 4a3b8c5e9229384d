-- caseloads: children allocated to each IRO at each month end of a financial year (and on
--   the extract date for the current month), read from caseload_month_ends (built at load).
-- Grain: one row per IRO and month end up to the extract date.
-- Parameters: $fy (start year of the financial year); $team (null = all).
select c.on_day, c.staff_id, s.staff_name, s.team, c.children
from caseload_month_ends c
left join staff s on s.staff_id = c.staff_id
where c.on_day between make_date($fy, 4, 1) and make_date($fy + 1, 3, 31)
  and ($team is null or s.team = $team)
order by c.on_day, s.team, s.staff_name
