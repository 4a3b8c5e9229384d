-- count_series: one counted measure by week, month or quarter of a run of financial years.
-- Grain: one row per financial year and bucket with at least one event. Buckets: month
--   'YYYY-MM'; quarter 1-4 of the financial year (Q1 = April-June); week 1-53 counted from
--   1 April. The caller fills empty buckets with 0.
-- Parameters: $measure; $grain ('week', 'month' or 'quarter'); $fy_from, $fy_to (start
--   years); $team (null = all); $staff (null = all).
-- Counted by day first, then put in buckets: the bucket words are made once a day, not
--   once an event.
select fy_start,
       case $grain
           when 'month' then strftime(day, '%Y-%m')
           when 'quarter' then 'Q' || ((month(day) + 8) % 12 // 3 + 1)::varchar
           else 'W' || lpad((date_diff('day', make_date(fy_start, 4, 1), day) // 7
                             + 1)::varchar, 2, '0')
       end as bucket,
       sum(events)::bigint as events
from (
    select event_date as day,
           case when month(event_date) >= 4 then year(event_date)
                else year(event_date) - 1 end as fy_start,
           count(*) as events
    from (
        select event_date
        from count_events
        where measure = $measure
          -- The financial years as dates: the tables' date order lets a scan skip the rest.
          and event_date between make_date($fy_from, 4, 1) and make_date($fy_to + 1, 3, 31)
          and ($team is null or team = $team)
          and ($staff is null or staff_id = $staff)
    )
    group by event_date
)
group by all
order by fy_start, bucket
