"""Market research (市场调研): market size and growth, price bands, concentration and rankings,
competitors, the trade-index calibration (指数还原), fake-order flags and opportunities.

Modules: ``options`` (the notebook's own parameters, the category), ``calibration`` (index to
sales), ``size`` (listing sales, market size, growth, seasonality), ``bands`` (price bands),
``sellers`` (concentration, rankings, entry and exit), ``competition`` (competitor tracking, price and
title changes, fake orders), ``opportunity`` (segments scored), ``findings`` (verdicts),
``sentences``, ``tables``, ``charts`` (the views) and ``explore`` (the Explore section).
"""
