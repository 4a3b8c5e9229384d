-- drps_formal_raised: DRPs raised at the formal level.
-- Grain: one row per drps row where level = 'FORMAL'; team and staff are those
--   of raised_by (staff.team).
-- Parameters: none; stacked into count_events at load time.
select 'drps_formal_raised' as measure,
       x.drp_id as event_id,
       x.child_id,
       x.raised_date as event_date,
       s.team,
       x.raised_by as staff_id
from drps x
left join staff s on s.staff_id = x.raised_by
where x.level = 'FORMAL'
