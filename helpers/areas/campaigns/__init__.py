"""Campaign postmortem (活动复盘): the true uplift with intervals, pull-forward, refunds, profit, mechanics, and what to change next time."""
