-- review_due: each open period of care's next CLA review and its statutory due date, with
--   the child's IRO. Materialised at load time from all children, reviews and allocations,
--   so the worklist is a filtered read; "due within N days of today" is decided at request
--   time from these due dates (qa/review_worklist.sql), so it stays right the day after.
-- Grain: one row per open period of care (end_date blank). The next review is review 1
--   (20 working days after the period began) if none is held yet, review 2 (3 months
--   after review 1), else 6 months after the last. The IRO is the current allocation's
--   on the extract date, else the last review's. Children appear by id only.
-- Parameters: none; materialised at load time.
with last_review as (
    select period_id, max(review_number) as held, max(review_date) as last_date,
           arg_max(iro_id, review_date) as last_iro
    from cla_review_events group by period_id
),
next_due as (
    select p.period_id, p.child_id, p.start_date, coalesce(l.held, 0) as held,
           l.last_date, l.last_iro,
           case
               when l.held is null then wd.d
               when l.held = 1 then (l.last_date + interval 3 month)::date
               else (l.last_date + interval 6 month)::date
           end as due_date
    from cla_periods p
    left join last_review l on l.period_id = p.period_id
    left join calendar c0 on c0.d = p.start_date
    left join calendar wd on wd.wd_index = c0.wd_index + 20 and wd.is_working_day
    where p.end_date is null
),
current_iro as (
    select child_id, arg_max(iro_id, start_date) as iro_id
    from iro_allocations, extract_date x
    where start_date <= x.d and (end_date is null or end_date >= x.d)
    group by child_id
)
select n.period_id, n.child_id, n.start_date as period_start,
       n.held + 1 as next_review_number, n.last_date as last_review_date, n.due_date,
       coalesce(c.iro_id, n.last_iro) as staff_id
from next_due n
left join current_iro c on c.child_id = n.child_id
