-- icpc_within_15_working_days: contract KPI 2, ICPCs held within 15 working days of the
--   linked enquiry's s47 start.
-- Grain: one row per ICPC event (icpc_events); in_numerator = held on time.
-- Parameters: none; stacked into measure_events at load time.
select 'icpc_within_15_working_days' as measure,
       conference_id as event_id,
       child_id,
       conference_date as event_date,
       team,
       chair_id as staff_id,
       on_time as in_numerator
from icpc_events
