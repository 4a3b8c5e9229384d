-- reviews_with_contact_since_last: CLA reviews (the second and later in a period of care)
--   where the child had at least one IRO direct contact after the previous review and
--   before this one (cla_review_events.contact_since_last).
-- Grain: one row per review event with a previous review in the same period. Counted only
--   when the extract has direct contacts at all (an absent optional file is "no data",
--   not 0%).
-- Parameters: none; stacked into measure_events at load time.
select 'reviews_with_contact_since_last' as measure,
       e.review_id as event_id,
       e.child_id,
       e.review_date as event_date,
       e.team,
       e.iro_id as staff_id,
       e.contact_since_last as in_numerator
from cla_review_events e
where e.previous_review_date is not null
  and exists (select 1 from direct_contacts)
