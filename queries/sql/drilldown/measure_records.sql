-- measure_records: the events behind one figure, exactly: every row of the measure's
--   denominator in the period, each marked whether it is in the numerator (met).
-- Grain: one row per event of $measure (measure_events) dated $date_from to $date_to
--   inclusive; not met first, then the latest. Children appear by id only.
--   rows_in_figure and met_in_figure count every matching row, before the limit.
-- Parameters: $measure (a ratio measure's name); $date_from, $date_to (dates);
--   $team (null = all); $staff (null = all); $only_met (null = every row, true = met
--   only, false = not met only); $limit (most rows returned).
-- The rows are picked (and counted, before the limit, in a plain aggregate: a filtered
--   count over an empty window took seconds for a year of a national extract) from
--   measure_events alone; only the picked rows are joined to their events for the detail.
with matching as (
    select me.*
    from measure_events me
    where me.measure = $measure
      and me.event_date between $date_from and $date_to
      and ($team is null or me.team = $team)
      and ($staff is null or me.staff_id = $staff)
      and ($only_met is null or me.in_numerator = $only_met)
),
totals as (
    select count(*) as rows_in_figure,
           count(*) filter (where in_numerator) as met_in_figure
    from matching
),
picked as (
    select * from matching
    order by in_numerator, event_date desc, event_id
    limit $limit
)
select me.child_id,
       me.event_date,
       me.in_numerator as met,
       coalesce(r.due_date, i.due_date, c.due_date) as due_date,
       coalesce(r.days_late, i.days_late, c.days_late) as days_late,
       case
           when $measure in ('cla_participation', 'cla_attendance') then r.participation_code
           when $measure = 'minutes_within_20_working_days' then
               coalesce('Minutes completed ' || strftime(r.minutes_completed_date, '%-d %b %Y'),
                        'Minutes not completed')
           when $measure = 'icpc_within_15_working_days' then
               's47 enquiry began ' || strftime(i.s47_start_date, '%-d %b %Y') || '; '
               || i.working_days_taken || ' working days'
       end as detail,
       me.staff_id,
       s.staff_name,
       me.team,
       me.event_id,
       t.rows_in_figure,
       t.met_in_figure
from picked me
cross join totals t
left join cla_review_events r
       on r.review_id = me.event_id
      and me.measure in ('cla_reviews_on_time', 'cla_participation', 'cla_attendance',
                         'minutes_within_20_working_days', 'reviews_with_contact_since_last')
      and r.review_id in (select event_id from picked)
left join icpc_events i
       on i.conference_id = me.event_id and me.measure = 'icpc_within_15_working_days'
      and i.conference_id in (select event_id from picked)
left join rcpc_events c
       on c.conference_id = me.event_id and me.measure = 'rcpc_on_time'
      and c.conference_id in (select event_id from picked)
left join staff s on s.staff_id = me.staff_id
order by me.in_numerator, me.event_date desc, me.event_id
