"""Practice Flywheel's statistics layer: pure pandas/statsmodels, no Django.

DataFrames in (the team-month panel and person spells that reports/selectors.py
builds), dataclasses and DataFrames out. Entry point: ``flywheel.flywheel_analysis``.

- panel.py: column lists, calendar-month lags, data-sufficiency floors
- fitting.py: the statsmodels fits with the layer's conventions
- engagement.py: engagement -> next-month patient NPS (within and between teams)
- turnover.py: engagement, burnout, coverage -> voluntary-leaving rate ratios
- survival.py: Kaplan-Meier retention curves, Cox model for cross-training
- shrinkage.py: empirical Bayes team-month scores
- findings.py, wording.py: the Finding record, status rule, q-values, sentences
- simulate.py: ground-truth simulator for tests, benchmarks and demo data
"""
