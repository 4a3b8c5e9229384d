"""The UI of the SQA Dashboard: Dash pages, components, figures and exports.

Reads data only through :mod:`queries` functions (via :mod:`dashboard.data`), never SQL.
"""
