-- count_range: how many of each counted event (DRPs, acknowledgements, contacts, audits,
--   closures) fell in a date range.
-- Grain: one row per count measure with at least one event; absent means 0.
-- Parameters: $date_from, $date_to (inclusive); $team (null = all); $staff (null = all).
select measure, count(*) as events
from count_events
where event_date between $date_from and $date_to
  and ($team is null or team = $team)
  and ($staff is null or staff_id = $staff)
group by measure
