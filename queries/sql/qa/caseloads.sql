-- caseloads: children allocated to each IRO at each month end of a financial year (and on
--   the extract date for the current month), from iro_allocations.
-- Grain: one row per IRO and month end up to the extract date.
-- Parameters: $fy (start year of the financial year); $team (null = all).
with month_ends as (
    select least(last_day(make_date($fy, 4, 1) + to_months(i::integer)), x.d) as on_day
    from range(12) t(i), extract_date x
    where make_date($fy, 4, 1) + to_months(i::integer) <= x.d
)
select m.on_day, a.iro_id as staff_id, s.staff_name, s.team,
       count(distinct a.child_id) as children
from month_ends m
join iro_allocations a
  on a.start_date <= m.on_day and (a.end_date is null or a.end_date >= m.on_day)
left join staff s on s.staff_id = a.iro_id
where ($team is null or s.team = $team)
group by all
order by m.on_day, s.team, s.staff_name
