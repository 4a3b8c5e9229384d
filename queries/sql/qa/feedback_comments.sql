-- feedback_comments: the free-text comments left with service-user feedback, newest first.
-- Grain: one row per response and question with a non-blank comment, answered in the
--   date range. Team and IRO are those the feedback is about. No child is named.
-- Parameters: $date_from, $date_to (inclusive); $team; $staff (null = all); $limit.
select f.response_date,
       f.respondent_group,
       f.question_code,
       coalesce(nullif(trim(f.question_text), ''), f.question_code) as question,
       f.answer,
       f.comment,
       f.iro_id as staff_id,
       s.staff_name,
       s.team
from feedback f
left join staff s on s.staff_id = f.iro_id
where f.comment is not null and trim(f.comment) <> ''
  and f.response_date between $date_from and $date_to
  and ($team is null or s.team = $team)
  and ($staff is null or f.iro_id = $staff)
order by f.response_date desc, f.response_id, f.question_code
limit $limit
