-- count_series: one counted measure by week, month or quarter of a run of financial years.
-- Grain: one row per financial year and bucket with at least one event. Buckets: month
--   'YYYY-MM'; quarter 1-4 of the financial year (Q1 = April-June); week 1-53 counted from
--   1 April. The caller fills empty buckets with 0.
-- Parameters: $measure; $grain ('week', 'month' or 'quarter'); $fy_from, $fy_to (start
--   years); $team (null = all); $staff (null = all).
select fy_start,
       case $grain
           when 'month' then month
           when 'quarter' then 'Q' || ((month(event_date) + 8) % 12 // 3 + 1)::varchar
           else 'W' || lpad((date_diff('day', make_date(fy_start, 4, 1), event_date) // 7
                             + 1)::varchar, 2, '0')
       end as bucket,
       count(*) as events
from count_events
where measure = $measure
  and fy_start between $fy_from and $fy_to
  and ($team is null or team = $team)
  and ($staff is null or staff_id = $staff)
group by all
order by fy_start, bucket
