-- icpc_events: every initial child protection conference that is a KPI event.
-- Grain: one row per ICPC (conference_type 'ICPC') linked to a loaded s47 enquiry.
--   An ICPC with no enquiry_id is a data-quality issue (dq_issues), not an event.
-- Rule (contract KPI 2, DfE CIN census): on time when held on or before the 15th working
--   day strictly after the enquiry's s47_start_date. The clock runs from the s47 start,
--   never from the strategy discussion.
-- Parameters: none; materialised at load time.
select c.conference_id,
       c.child_id,
       c.enquiry_id,
       e.s47_start_date,
       e.strategy_discussion_date,
       c.conference_date,
       wd.d as due_date,
       c.conference_date <= wd.d as on_time,
       cc.wd_index - c0.wd_index as working_days_taken,
       greatest(date_diff('day', wd.d, c.conference_date), 0) as days_late,
       c.chair_id,
       s.team,
       c.plan_id,
       c.source_line
from cp_conferences c
join s47_enquiries e on e.enquiry_id = c.enquiry_id
join calendar c0 on c0.d = e.s47_start_date
join calendar wd on wd.wd_index = c0.wd_index + 15 and wd.is_working_day
join calendar cc on cc.d = c.conference_date
left join staff s on s.staff_id = c.chair_id
where c.conference_type = 'ICPC'
order by c.conference_date, c.conference_id
