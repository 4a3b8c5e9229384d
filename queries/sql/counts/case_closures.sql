-- case_closures: IRO allocations ended (case closures).
-- Grain: one row per iro_allocations row where end_date is not null; team and staff are those
--   of iro_id (staff.team).
-- Parameters: none; stacked into count_events at load time.
select 'case_closures' as measure,
       x.allocation_id as event_id,
       x.child_id,
       x.end_date as event_date,
       s.team,
       x.iro_id as staff_id
from iro_allocations x
left join staff s on s.staff_id = x.iro_id
where x.end_date is not null
