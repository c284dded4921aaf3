"""Product selection and testing (选品与测款): portfolio, selection scorecard, product tests,
pricing, keywords and titles, rising products and baskets."""
