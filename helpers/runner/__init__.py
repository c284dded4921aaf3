"""Batch runs and the command line: runs.yaml, papermill execution, HTML reports, the index,
worker processes and Dask; ``workbook`` (cli)."""
