-- minutes_within_20_working_days: CLA review minutes completed within 20 working days of
--   the review (the annual report's audit measure, and parents' and carers' most common
--   complaint).
-- Grain: one row per review event whose minutes are complete, or whose deadline (the 20th
--   working day strictly after the review: cla_review_events.minutes_due_date) has passed
--   by the extract date. Minutes not yet due are not counted either way until they are.
-- Parameters: none; stacked into measure_events at load time.
select 'minutes_within_20_working_days' as measure,
       e.review_id as event_id,
       e.child_id,
       e.review_date as event_date,
       e.team,
       e.iro_id as staff_id,
       coalesce(e.minutes_completed_date <= e.minutes_due_date, false) as in_numerator
from cla_review_events e
where e.minutes_due_date is not null
  and (e.minutes_completed_date is not null
       or e.minutes_due_date < (select d from extract_date))
