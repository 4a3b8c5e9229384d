-- teams: every team with staff in the given roles (team aggregates are open to every role).
-- Grain: one row per team, in name order.
-- Parameters: $roles (a list of staff.role codes; null = any role).
select distinct team
from staff
where team is not null
  and ($roles is null or list_contains($roles, role))
order by 1
