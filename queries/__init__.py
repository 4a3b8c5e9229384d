"""The data layer of the SQA Dashboard.

Loads the nightly extract into DuckDB, builds the working-day calendar, and computes the
statutory KPIs with SQL. Imports no Dash or Plotly: the UI reads data only through the
functions here.
"""
