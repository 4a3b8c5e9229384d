-- count_windows: how many of each counted event (DRPs, acknowledgements, contacts, audits,
--   closures) fell in each of several date windows at once: the span they cover is read
--   once, counted by day, and each window sums its days.
-- Grain: one row per window and count measure with at least one event; absent means 0.
-- Parameters: $keys, $froms, $tos (lists, one entry per window: its name, its first and
--   last day, inclusive); $span_from, $span_to (the earliest first day and the latest last
--   day); $team (null = all); $staff (null = all).
with days as (
    select measure, event_date, count(*) as events
    from count_events
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
select w.window_key, d.measure, sum(d.events)::bigint as events
from days d
join windows w on d.event_date between w.date_from and w.date_to
group by w.window_key, d.measure
