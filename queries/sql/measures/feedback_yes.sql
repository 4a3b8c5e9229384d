-- feedback_yes: service-user feedback answers that were YES, among those answered
--   (YES, NO, PARTLY; NOT_ANSWERED is outside the denominator).
-- Grain: one row per response and question answered. Team and staff are those of the
--   IRO the feedback is about (blank when none is recorded).
-- Parameters: none; stacked into measure_events at load time.
select 'feedback_yes' as measure,
       f.response_id || '/' || f.question_code as event_id,
       null::varchar as child_id,
       f.response_date as event_date,
       s.team,
       f.iro_id as staff_id,
       f.answer = 'YES' as in_numerator
from feedback f
left join staff s on s.staff_id = f.iro_id
where f.answer <> 'NOT_ANSWERED'
