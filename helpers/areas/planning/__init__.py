"""Planning (规划)."""
