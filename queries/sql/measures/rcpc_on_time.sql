-- rcpc_on_time: contract KPI 3, review child protection conferences held on time.
-- Grain: one row per RCPC event (rcpc_events); in_numerator = held on or before due.
-- Parameters: none; stacked into measure_events at load time.
select 'rcpc_on_time' as measure,
       conference_id as event_id,
       child_id,
       conference_date as event_date,
       team,
       chair_id as staff_id,
       on_time as in_numerator
from rcpc_events
