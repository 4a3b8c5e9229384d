-- left_out: KPI events the data cannot judge, by measure and reason, for a date range.
-- Grain: one row per measure and reason. Today one reason: CLA reviews whose due date is
--   unknown (cla_review_events.due_unknown: before_coverage, period_start_unknown), left
--   out of cla_reviews_on_time's numerator and denominator, never counted late.
-- Parameters: $date_from, $date_to (review dates, inclusive); $team (null = every team);
--   $staff (a staff_id, null = everyone).
select 'cla_reviews_on_time' as measure, due_unknown as reason, count(*) as events
from cla_review_events
where due_unknown is not null
  and review_date between $date_from and $date_to
  and ($team is null or team = $team)
  and ($staff is null or iro_id = $staff)
group by all
order by 1, 2
