-- kpi_windows: every KPI's numerator and denominator over each of several date windows at
--   once (one window for a KPI tile; a pack's month, quarter and year, and the same last
--   year): the span they cover is read once, counted by day, and each window sums its days.
-- Grain: one row per window and measure with at least one event; absent means 0 of 0.
-- Parameters: $keys, $froms, $tos (lists, one entry per window: its name, its first and
--   last day, inclusive); $span_from, $span_to (the earliest first day and the latest last
--   day); $team (null = all); $staff (null = all).
with days as (
    select measure,
           event_date,
           count(*) filter (where in_numerator) as numerator,
           count(*) as denominator
    from measure_events
    where event_date between $span_from and $span_to
      and ($team is null or team = $team)
      and ($staff is null or staff_id = $staff)
    group by measure, event_date
),
windows as (
    select unnest($keys) as window_key,
           unnest($froms)::date as date_from,
           unnest($tos)::date as date_to
)
select w.window_key,
       d.measure,
       sum(d.numerator)::bigint as numerator,
       sum(d.denominator)::bigint as denominator
from days d
join windows w on d.event_date between w.date_from and w.date_to
group by w.window_key, d.measure
