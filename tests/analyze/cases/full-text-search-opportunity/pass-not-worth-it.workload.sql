SELECT id FROM {s}.notes_small WHERE body ILIKE '%7%'
