-- load_info: when the data was extracted and loaded, and which load it is.
-- Grain: one row. Parameters: none.
select load_id, extract_as_of, loaded_at, schema_version from load_info
