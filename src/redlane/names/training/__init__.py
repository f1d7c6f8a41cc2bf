"""Labelled name pairs, training and evaluation of the comparator's logistic model.

Run ``python -m redlane.names.training.train`` to refit ``coefficients.json`` and
``python -m redlane.names.training.evaluate`` for the held-out report; see docs/names.md.
"""
