"""Traffic analysis (流量分析): sources, funnel, peers, paid promotion, what changed, anomalies, attribution.

Modules: ``calc`` (daily traffic, source map, funnel, peers), ``decomposition`` (the sales
change split into visitors, conversion and AOV), ``ads`` (paid promotion and its profit),
``anomalies`` (day-level anomaly detection), ``attribution`` (multi-touch credit),
``findings`` (the verdict on each ad plan, the likely cause of an anomaly), ``views``
(report tables), ``sentences`` (what the figures say, per language), ``charts`` (plots) and
``explore`` (the Explore section).
"""
