-- dq_issues: records that were loaded but cannot be KPI events, with the reason.
-- Grain: one row per record per issue. Columns: issue_code, file, source_line, record_id,
--   child_id, message.
-- Issues: a CLA review outside every period of care; a second review of the same child on
--   the same date (counted once); a review whose due date the data cannot tell (its period
--   began before the source's review history, or the period's start is unknown); an ICPC
--   with no linked enquiry; an RCPC with no plan.
-- Parameters: none; materialised at load time after the event tables.
select 'review_outside_period' as issue_code, 'cla_reviews.csv' as file, r.source_line,
       r.review_id as record_id, r.child_id,
       'review on ' || r.review_date || ' is outside every period of care of child '
           || r.child_id || ': not counted in any KPI' as message
from cla_reviews r
where not exists (
    select 1 from cla_periods p
    where p.child_id = r.child_id and r.review_date >= p.start_date
      and (p.end_date is null or r.review_date <= p.end_date)
)
union all
select 'duplicate_review_same_day', 'cla_reviews.csv', r.source_line, r.review_id, r.child_id,
       'a second review of child ' || r.child_id || ' on ' || r.review_date
           || ' counts once with review ' || r.first_review_id
from (
    select *, first(review_id) over w as first_review_id, row_number() over w as rn
    from cla_reviews
    window w as (partition by child_id, review_date order by review_id)
) r
where r.rn > 1
union all
select 'due_date_unknown', 'cla_reviews.csv', e.source_line, e.review_id, e.child_id,
       'review on ' || e.review_date || ': '
           || case e.due_unknown
                  when 'before_coverage' then 'its period of care began on '
                      || e.period_start || ', before the review history in the data'
                  else 'the data does not show when its period of care began'
              end
           || ', so its due date is unknown and it is outside the timeliness KPI; load '
           || 'earlier returns to judge it'
from cla_review_events e
where e.due_unknown is not null
union all
select 'icpc_without_enquiry', 'cp_conferences.csv', source_line, conference_id, child_id,
       'ICPC without an s47 enquiry: the ICPC on ' || conference_date || ' has no '
           || 'enquiry_id, so the 15-working-day clock cannot start and it is outside that '
           || 'KPI (it still counts as a conference held)'
from cp_conferences
where conference_type = 'ICPC' and enquiry_id is null
union all
select 'rcpc_without_plan', 'cp_conferences.csv', source_line, conference_id, child_id,
       'RCPC on ' || conference_date || ' has no plan_id: its due date cannot be set, '
           || 'so it is not counted'
from cp_conferences
where conference_type = 'RCPC' and plan_id is null
