SELECT id, amount FROM {s}.sales WHERE id = 7
