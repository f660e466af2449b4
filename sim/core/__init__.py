"""The spine every model shares: streams, runner, results, statistics, validation.

`core` never imports a model or the scenario loader; it is handed what it runs.
"""
