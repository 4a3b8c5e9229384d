-- reviews_without_contact: children in care with no IRO direct contact between two
--   reviews: each second-or-later review held in the range with no contact after the
--   previous review and before it (the complement of reviews_with_contact_since_last).
-- Grain: one row per such review, most recent first. Children appear by id only.
-- Parameters: $date_from, $date_to (inclusive); $team; $staff (null = all); $limit.
select e.child_id, e.previous_review_date, e.review_date,
       date_diff('day', e.previous_review_date, e.review_date) as days_between,
       e.iro_id as staff_id, s.staff_name as iro_name, e.team
from measure_events m
join cla_review_events e on e.review_id = m.event_id
left join staff s on s.staff_id = e.iro_id
where m.measure = 'reviews_with_contact_since_last' and not m.in_numerator
  and m.event_date between $date_from and $date_to
  and ($team is null or m.team = $team)
  and ($staff is null or m.staff_id = $staff)
order by e.review_date desc, e.child_id
limit $limit
