-- participation_mix: how many review events carried each participation code.
-- Grain: one row per code (PN0-PN7, or 'blank or unknown') among the review events held
--   from $date_from to $date_to.
-- Parameters: $date_from, $date_to; $team (null = all); $staff (null = all).
select coalesce(participation_code, 'blank or unknown') as code,
       count(*) as reviews
from cla_review_events
where review_date between $date_from and $date_to
  and ($team is null or team = $team)
  and ($staff is null or iro_id = $staff)
group by all
order by code
