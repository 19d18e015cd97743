SELECT region, sum(amount) FROM {s}.sales GROUP BY region
