-- kpi_monthly: the numerator and denominator of one or more KPIs per calendar month for a
--   run of financial years (April to March).
-- Grain: one row per measure, financial year and month with at least one event; the
--   caller fills months with no events (denominator 0, null rate).
-- Parameters: $measures (a list of KPI names); $fy_from, $fy_to (start years of the first
--   and last financial year, e.g. 2020 for 2020-21); $team (null = every team); $staff
--   (null = all).
-- Grouped by the month's first day, then named: the month words are made once a month,
--   not once an event.
select measure,
       case when month(month_start) >= 4 then year(month_start)
            else year(month_start) - 1 end as fy_start,
       strftime(month_start, '%Y-%m') as month,
       numerator,
       denominator
from (
    select measure,
           date_trunc('month', event_date) as month_start,
           count(*) filter (where in_numerator) as numerator,
           count(*) as denominator
    from measure_events
    where list_contains($measures, measure)
      -- The financial years as dates: the event tables' date order lets a scan skip the rest.
      and event_date between make_date($fy_from, 4, 1) and make_date($fy_to + 1, 3, 31)
      and ($team is null or team = $team)
      and ($staff is null or staff_id = $staff)
    group by measure, month_start
)
order by measure, month
