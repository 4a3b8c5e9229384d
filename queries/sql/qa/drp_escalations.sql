-- drp_escalations: informal DRPs escalated to formal for the same child: each formal DRP
--   raised in the range that follows an informal one for that child raised on or before
--   it and at most 183 days (six months) earlier.
-- Grain: one row per formal DRP, paired with the latest earlier informal DRP.
-- Parameters: $date_from, $date_to (inclusive, on the formal DRP's raised_date).
select f.drp_id as formal_drp_id, f.child_id, i.drp_id as informal_drp_id,
       i.raised_date as informal_raised, f.raised_date as formal_raised,
       date_diff('day', i.raised_date, f.raised_date) as days_between
from drps f
join drps i
  on i.child_id = f.child_id and i.level = 'INFORMAL' and i.raised_date <= f.raised_date
 and i.raised_date >= f.raised_date - interval 183 day and i.drp_id <> f.drp_id
where f.level = 'FORMAL' and f.raised_date between $date_from and $date_to
qualify row_number() over (partition by f.drp_id order by i.raised_date desc, i.drp_id desc) = 1
order by f.raised_date, f.drp_id
