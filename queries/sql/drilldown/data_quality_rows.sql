-- data_quality_rows: the rows set aside or flagged, with the line an analyst needs.
-- Grain: one row per record per reason. Children appear by id only (a value is what the
--   extract held in the named column, clipped to 200 characters).
-- Parameters: $kind ('Set aside', 'Warning', 'Not counted' or null for all); $file (a
--   file name or null); $reason (a reason code or null); $limit.
select *
from (
    select 'Set aside' as kind, file, line, column_name, value, reason_code, message
    from rejects
    union all
    select 'Warning', file, line, column_name, value, reason_code, message from dq_warnings
    union all
    select 'Not counted', file, source_line, 'record', record_id, issue_code, message
    from dq_issues
) r
where ($kind is null or r.kind = $kind)
  and ($file is null or r.file = $file)
  and ($reason is null or r.reason_code = $reason)
order by r.kind desc, r.file, r.line, r.column_name
limit $limit
