-- normalization (issue 13 item 10): skills and languages are independent facts about an employee,
-- stored as their cross product in one table (not 4NF)
-- expect: 1
-- evidence: groups=30 cross_product_groups=30
-- attrs: violation=multivalued-dependency
CREATE TABLE employee (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO employee SELECT g, 'e' || g FROM generate_series(1, 30) g;
CREATE TABLE employee_skill_language (
    employee_id int NOT NULL REFERENCES employee,
    skill text NOT NULL,
    language text NOT NULL,
    PRIMARY KEY (employee_id, skill, language)
);
INSERT INTO employee_skill_language
SELECT e, s, l
FROM generate_series(1, 30) e,
     unnest((ARRAY['sql', 'python', 'go', 'rust'])[1 : 2 + e % 3]) s,
     unnest((ARRAY['en', 'de', 'fr'])[1 : 1 + e % 3]) l;
