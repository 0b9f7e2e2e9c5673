"""Cited data tables: thresholds, fractions, drugs and tokens the rules read.

Every row names its source (see `sources.py`); a clinical reviewer changes values here,
never inside a rule condition.
"""
