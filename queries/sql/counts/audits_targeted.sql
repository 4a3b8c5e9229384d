-- audits_targeted: Targeted audits completed (one row per child audited).
-- Grain: one row per audits row where audit_type = 'TARGETED'; team and staff are those
--   of auditor_id (staff.team).
-- Parameters: none; stacked into count_events at load time.
select 'audits_targeted' as measure,
       x.audit_id as event_id,
       x.child_id,
       x.audit_date as event_date,
       s.team,
       x.auditor_id as staff_id
from audits x
left join staff s on s.staff_id = x.auditor_id
where x.audit_type = 'TARGETED'
