-- staff_list: the people a view can be filtered to.
-- Grain: one row per staff member with an IRO or CP chair role.
-- Parameters: none.
select staff_id, staff_name, role, team
from staff
where role in ('IRO', 'CP_CHAIR', 'IRO_CP_CHAIR')
order by team, staff_name, staff_id
