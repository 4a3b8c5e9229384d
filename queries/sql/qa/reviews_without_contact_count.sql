-- reviews_without_contact_count: how many reviews the reviews_without_contact list holds,
--   every one of them (the list itself stops at $limit rows).
-- Grain: one row: reviews.
-- Parameters: $date_from, $date_to (dates); $team (null = all); $staff (null = all).
select count(*) as reviews
from measure_events m
where m.measure = 'reviews_with_contact_since_last' and not m.in_numerator
  and m.event_date between $date_from and $date_to
  and ($team is null or m.team = $team)
  and ($staff is null or m.staff_id = $staff)
