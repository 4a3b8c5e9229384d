-- cla_review_events: every CLA review that is a KPI event, with its due date.
-- Grain: one row per child per review date held inside a period of care. Reviews of the
--   same child on the same date count once (the lowest review_id is kept); a review
--   outside every period is a data-quality issue (dq_issues), not an event.
-- Rule (contract KPI 1): within a period, review 1 is due on the 20th working day strictly
--   after the period's start_date; review 2 three calendar months after review 1; every
--   later review six months after the previous one (month ends clamp: 31 Aug + 6 months =
--   28/29 Feb). A new period of care starts the cycle again. Where periods overlap, the
--   review belongs to the one that started last.
-- Coverage: the due date is known only when the data holds the period's whole review
--   history: the period's start is known (cla_periods.start_known is not 'N') and it
--   began on or after the source's review coverage (source_coverage; null = the full
--   history, as in the nightly extract). Otherwise due_date and on_time are null and
--   due_unknown says why: such a review is outside the timeliness KPI, never late.
-- Minutes (QA measure): minutes_due_date is the 20th working day strictly after the
--   review date (measures/minutes_within_20_working_days.sql reads it).
-- Contact since the last review (QA measure): contact_since_last says whether the latest
--   IRO direct contact with the child strictly before this review fell after the previous
--   review (an ASOF join, one pass); false when there was none, null for a first review
--   (measures/reviews_with_contact_since_last.sql reads it).
-- Parameters: none; materialised at load time.
with in_period as (
    -- One window does both: reviews of a child on one date match the same periods, so
    -- the first row of (child, date) by the latest-started period, then the lowest
    -- review_id, is the period's review and the one review kept of that date.
    select r.*, p.period_id, p.start_date as period_start,
           case
               when upper(trim(p.start_known)) = 'N' then 'period_start_unknown'
               when p.start_date < (select review_coverage_from from source_coverage)
                   then 'before_coverage'
           end as due_unknown
    from cla_reviews r
    join cla_periods p
      on p.child_id = r.child_id
     and r.review_date >= p.start_date
     and (p.end_date is null or r.review_date <= p.end_date)
    qualify row_number() over (
        partition by r.child_id, r.review_date
        order by p.start_date desc, p.period_id, r.review_id
    ) = 1
),
numbered as (
    select *,
           row_number() over w as review_number,
           lag(review_date) over w as previous_review_date
    from in_period
    window w as (partition by period_id order by review_date)
),
due as (
    select n.*,
           case
               when n.due_unknown is not null then null
               when n.review_number = 1 then wd.d
               when n.review_number = 2 then (n.previous_review_date + interval 3 month)::date
               else (n.previous_review_date + interval 6 month)::date
           end as due_date
    from numbered n
    left join calendar c0 on c0.d = n.period_start
    left join calendar wd on wd.wd_index = c0.wd_index + 20 and wd.is_working_day
)
select d.review_id,
       d.child_id,
       d.period_id,
       d.period_start,
       d.review_number,
       d.review_date,
       d.previous_review_date,
       d.due_date,
       d.review_date <= d.due_date as on_time,
       greatest(date_diff('day', d.due_date, d.review_date), 0) as days_late,
       d.due_unknown,
       d.iro_id,
       s.team,
       d.participation_code,
       d.review_format,
       d.minutes_completed_date,
       md.d as minutes_due_date,
       case when d.previous_review_date is not null
            then coalesce(k.contact_date > d.previous_review_date, false) end
           as contact_since_last,
       d.source_line
from due d
left join staff s on s.staff_id = d.iro_id
left join calendar m0 on m0.d = d.review_date
left join calendar md on md.wd_index = m0.wd_index + 20 and md.is_working_day
asof left join direct_contacts k
  on k.child_id = d.child_id and k.contact_date < d.review_date
order by d.review_date, d.review_id
