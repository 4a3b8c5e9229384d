-- cla_reviews_on_time: contract KPI 1, CLA reviews held on or before their due date.
-- Grain: one row per review event (cla_review_events) whose due date is known; every row
--   is in the denominator, in_numerator says whether it was on time. A review whose due
--   date the data cannot tell (due_unknown) is left out of both, and counted apart
--   (aggregates/left_out.sql), never late.
-- Parameters: none; stacked into measure_events at load time.
select 'cla_reviews_on_time' as measure,
       review_id as event_id,
       child_id,
       review_date as event_date,
       team,
       iro_id as staff_id,
       on_time as in_numerator
from cla_review_events
where due_unknown is null
