SELECT u.name, p.bio FROM {s}.users u JOIN {s}.profiles p ON p.user_id = u.id WHERE u.id = 3
