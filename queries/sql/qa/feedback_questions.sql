-- feedback_questions: per respondent group and question, how many answered and how many
--   said yes, for each financial year in a run (NOT_ANSWERED is outside "answered").
-- Grain: one row per financial year, group and question.
-- Parameters: $fy_from, $fy_to (start years of financial years).
select case when month(response_date) >= 4 then year(response_date)
            else year(response_date) - 1 end as fy_start,
       respondent_group, question_code,
       any_value(question_text) as question_text,
       count(distinct response_id) as respondents,
       count(*) filter (where answer <> 'NOT_ANSWERED') as answered,
       count(*) filter (where answer = 'YES') as yes
from feedback
where response_date between make_date($fy_from, 4, 1) and make_date($fy_to + 1, 3, 31)
group by all
order by respondent_group, question_code, fy_start
