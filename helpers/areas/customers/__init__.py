"""Customers and members (用户运营): RFM segments, repurchase, cohorts, lifetime value (BG/NBD,
Gamma-Gamma) with a hold-out check, and the CRM recall list.

Calculations: :mod:`.purchases` (the purchases and one row per customer, reduced in the
engine), :mod:`.rfm`, :mod:`.repurchase`, :mod:`.cohorts`, :mod:`.models` (the probability
models, by hand), :mod:`.lifetime` (the models fitted on the shop, and their hold-out check),
:mod:`.recall` (masking ids, the CRM export); rules: :mod:`.findings`; views:
:mod:`.sentences`, :mod:`.tables`, :mod:`.charts`, :mod:`.explore`; the notebook's own
parameters: :mod:`.options`.
"""
