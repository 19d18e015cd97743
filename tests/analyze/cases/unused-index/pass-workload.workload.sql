SELECT count(*) FROM {s}.flagged WHERE flag = 1
