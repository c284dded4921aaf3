"""What every area shares: the data contract, reading and validating exports, the shop's
engine connection, paid order lines, the calendar, parameters, metric definitions (口径),
statistics and text helpers. Core imports neither ``helpers.present`` nor ``helpers.areas``."""
