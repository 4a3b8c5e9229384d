-- audit_breakdown: audits completed in a date range by one dimension: how many audits,
--   how many children, mid-way and targeted apart.
-- Grain: one row per category of the chosen dimension.
-- Parameters: $dimension ('theme', 'auditor', 'judgement'; chosen by value); $date_from,
--   $date_to (inclusive).
select coalesce(case $dimension
                    when 'theme' then a.theme
                    when 'auditor' then s.staff_name
                    when 'judgement' then a.judgement
                end, 'Not recorded') as category,
       count(*) filter (where a.audit_type = 'MIDWAY') as midway,
       count(*) filter (where a.audit_type = 'TARGETED') as targeted,
       count(distinct a.child_id) as children
from audits a
left join staff s on s.staff_id = a.auditor_id
where a.audit_date between $date_from and $date_to
group by all
order by midway + targeted desc, category
