-- drp_breakdown: DRPs raised in a date range by one dimension, formal and informal apart.
-- Grain: one row per category of the chosen dimension.
-- Parameters: $dimension ('sw_team', 'issue_category', 'stage'; chosen by value, never
--   spliced); $date_from, $date_to (inclusive).
select coalesce(case $dimension
                    when 'sw_team' then sw_team
                    when 'issue_category' then issue_category
                    when 'stage' then stage
                end, 'Not recorded') as category,
       count(*) filter (where level = 'FORMAL') as formal,
       count(*) filter (where level = 'INFORMAL') as informal,
       count(*) as total
from drps
where raised_date between $date_from and $date_to
group by all
order by total desc, category
