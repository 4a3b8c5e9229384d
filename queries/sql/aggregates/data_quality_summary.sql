-- data_quality_summary: how many rows were set aside or flagged, by file and reason.
-- Grain: one row per kind ('Set aside', 'Warning', 'Not counted'), file and reason code,
--   with the count and the first line, for an analyst fixing the source.
-- Parameters: none.
select kind, file, reason_code, count(*) as rows, min(line) as first_line
from (
    select 'Set aside' as kind, file, line, reason_code from rejects
    union all
    select 'Warning', file, line, reason_code from dq_warnings
    union all
    select 'Not counted', file, source_line, issue_code from dq_issues
)
group by all
order by kind desc, rows desc, file, reason_code
