-- cla_participation: contract KPI 4, reviews coded PN1-PN6 / reviews coded PN1-PN7.
-- Grain: one row per review event coded PN1-PN7. PN0 (child under 4), blank and unknown
--   codes are outside the denominator.
-- Parameters: none; stacked into measure_events at load time.
select 'cla_participation' as measure,
       review_id as event_id,
       child_id,
       review_date as event_date,
       team,
       iro_id as staff_id,
       participation_code in ('PN1', 'PN2', 'PN3', 'PN4', 'PN5', 'PN6') as in_numerator
from cla_review_events
where participation_code in ('PN1', 'PN2', 'PN3', 'PN4', 'PN5', 'PN6', 'PN7')
