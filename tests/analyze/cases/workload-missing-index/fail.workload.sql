SELECT id FROM {s}.items WHERE a = 42
