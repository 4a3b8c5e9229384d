-- direct_contacts: IRO direct contacts with children.
-- Grain: one row per direct_contacts row; team and staff are those
--   of iro_id (staff.team).
-- Parameters: none; stacked into count_events at load time.
select 'direct_contacts' as measure,
       x.contact_id as event_id,
       x.child_id,
       x.contact_date as event_date,
       s.team,
       x.iro_id as staff_id
from direct_contacts x
left join staff s on s.staff_id = x.iro_id

