"""Shop overview (店铺周报): key figures against the previous period, last year and peers; the biggest movers."""
