"""The flywheel health report as a PDF: model in reports/models.py
(``FlywheelReport``), rendering in ``render``, generation exactly once in
``services``, the list and download pages in ``views``."""
