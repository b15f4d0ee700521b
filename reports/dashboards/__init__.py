"""Role dashboards: what owner, HR, site manager and team lead read first.

Views (views.py) only put together what the readers in this package return.
Scoping comes from ``workforce.selectors`` and survey suppression from
``surveys.anonymity`` (through ``surveys.results``); nothing here decides
either. Every table a page shows is a :class:`tables.Table`, and the CSV and
XLSX exports write exactly those tables, so a number hidden on the page is
hidden in the file.
"""
