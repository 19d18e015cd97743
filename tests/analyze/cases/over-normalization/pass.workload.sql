SELECT bio FROM {s}.profiles WHERE user_id = 3
