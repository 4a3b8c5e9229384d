-- practice_acknowledgements_raised: Practice acknowledgements raised.
-- Grain: one row per practice_acknowledgements row; team and staff are those
--   of raised_by (staff.team).
-- Parameters: none; stacked into count_events at load time.
select 'practice_acknowledgements_raised' as measure,
       x.pa_id as event_id,
       x.child_id,
       x.raised_date as event_date,
       s.team,
       x.raised_by as staff_id
from practice_acknowledgements x
left join staff s on s.staff_id = x.raised_by

