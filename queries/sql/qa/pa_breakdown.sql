-- pa_breakdown: practice acknowledgements raised in a date range by social-work team and
--   theme.
-- Grain: one row per team and theme.
-- Parameters: $date_from, $date_to (inclusive).
select coalesce(sw_team, 'Not recorded') as sw_team,
       coalesce(theme, 'Not recorded') as theme,
       count(*) as raised
from practice_acknowledgements
where raised_date between $date_from and $date_to
group by all
order by raised desc, sw_team, theme
