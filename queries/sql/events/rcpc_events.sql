-- rcpc_events: every review child protection conference that is a KPI event.
-- Grain: one row per RCPC (conference_type 'RCPC') with a plan_id. An RCPC with no
--   plan_id is a data-quality issue (dq_issues), not an event.
-- Rule (contract KPI 3): a plan's RCPCs are ordered by date. The first is due 3 calendar
--   months after the conference that started the plan (its earliest ICPC or TRANSFER_IN
--   with that plan_id; if neither is present, the plan's start_date); each later RCPC is
--   due 6 months after the previous RCPC. Month ends clamp.
-- Parameters: none; materialised at load time.
with anchors as (
    select plan_id,
           min(conference_date) as anchor_date,
           arg_min(conference_type, conference_date) as anchor_type
    from cp_conferences
    where conference_type in ('ICPC', 'TRANSFER_IN') and plan_id is not null
    group by plan_id
),
rcpcs as (
    select c.*,
           row_number() over w as rcpc_number,
           lag(c.conference_date) over w as previous_rcpc_date
    from cp_conferences c
    where c.conference_type = 'RCPC' and c.plan_id is not null
    window w as (partition by c.plan_id order by c.conference_date, c.conference_id)
),
due as (
    select r.*,
           coalesce(a.anchor_type, 'PLAN_START') as anchor_type,
           coalesce(a.anchor_date, p.start_date) as anchor_date,
           case
               when r.rcpc_number = 1
                   then (coalesce(a.anchor_date, p.start_date) + interval 3 month)::date
               else (r.previous_rcpc_date + interval 6 month)::date
           end as due_date
    from rcpcs r
    join cp_plans p on p.plan_id = r.plan_id
    left join anchors a on a.plan_id = r.plan_id
)
select d.conference_id,
       d.child_id,
       d.plan_id,
       d.anchor_type,
       d.anchor_date,
       d.rcpc_number,
       d.previous_rcpc_date,
       d.conference_date,
       d.due_date,
       d.conference_date <= d.due_date as on_time,
       greatest(date_diff('day', d.due_date, d.conference_date), 0) as days_late,
       d.chair_id,
       s.team,
       d.source_line
from due d
left join staff s on s.staff_id = d.chair_id
order by d.conference_date, d.conference_id
