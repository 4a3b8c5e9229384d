-- staff_names: the names of a set of staff (the people a viewer may see by name).
-- Grain: one row per staff_id in $ids.
-- Parameters: $ids (a list of staff_id).
select staff_name
from staff
where list_contains($ids, staff_id)
