-- source_gaps: what the loaded source has no field for (from its extract manifest, and
--   optional files the extract did not have).
-- Grain: one row per table (column_name '') or per table and column.
-- Parameters: none.
select table_name, column_name from source_gaps
