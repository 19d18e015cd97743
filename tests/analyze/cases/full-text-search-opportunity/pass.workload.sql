SELECT id FROM {s}.docs WHERE title ILIKE '%42%'
