-- caseload_month_ends: children allocated to each IRO at every month end since the first
--   allocation, and on the extract date for the month still in progress. Materialised at
--   load time from all children and allocations, so the caseloads view is a filtered read.
-- Grain: one row per day counted and IRO with at least one child allocated that day.
-- Parameters: none; materialised at load time.
with bounds as (
    select date_trunc('month', min(a.start_date))::date as first_month, x.d as as_of
    from iro_allocations a, extract_date x
    group by x.d
),
days as (
    select least(last_day(t.m::date), b.as_of) as on_day
    from bounds b,
         range(b.first_month::timestamp, (b.as_of + 1)::timestamp, interval 1 month) t(m)
)
select d.on_day, a.iro_id as staff_id, count(distinct a.child_id) as children
from days d
join iro_allocations a
  on a.start_date <= d.on_day and (a.end_date is null or a.end_date >= d.on_day)
group by all
order by d.on_day, a.iro_id
