-- normalization: a real three-way fact (who taught which course in which term) is not a cross product
-- expect: 0
CREATE TABLE teaching (teacher int NOT NULL, course text NOT NULL, term text NOT NULL,
                       PRIMARY KEY (teacher, course, term));
INSERT INTO teaching
SELECT t, 'c' || ((t + k) % 7), (ARRAY['2024a', '2024b', '2025a'])[1 + (t * k) % 3]
FROM generate_series(1, 30) t, generate_series(1, 4) k
ON CONFLICT DO NOTHING;
