-- team_staff: the staff ids of one team (whose people a team manager may see by name).
-- Grain: one row per member of staff in the team.
-- Parameters: $team (a staff.team value).
select staff_id
from staff
where team = $team
