-- cla_attendance: contract KPI 5, reviews coded PN1-PN4 (the child attended) / reviews
--   coded PN1-PN7.
-- Grain: one row per review event coded PN1-PN7. PN0, blank and unknown codes are outside
--   the denominator.
-- Parameters: none; stacked into measure_events at load time.
select 'cla_attendance' as measure,
       review_id as event_id,
       child_id,
       review_date as event_date,
       team,
       iro_id as staff_id,
       participation_code in ('PN1', 'PN2', 'PN3', 'PN4') as in_numerator
from cla_review_events
where participation_code in ('PN1', 'PN2', 'PN3', 'PN4', 'PN5', 'PN6', 'PN7')
