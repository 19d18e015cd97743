-- normalization (issue 13 item 10): a column of comma-separated tags (not 1NF); prose with commas,
-- city/country pairs and numbers with thousands separators are not lists
-- expect: 1
-- evidence: rows_with_lists=160 rows_with_values=200 max_items=4
-- attrs: violation=multi-valued-column
CREATE TABLE posts (
    id int PRIMARY KEY,
    tags text,
    place text,
    amount_text text,
    description text
);
INSERT INTO posts
SELECT g,
       CASE WHEN g % 5 = 0 THEN 'news'
            ELSE array_to_string((ARRAY['news', 'sports', 'tech', 'travel', 'food'])[1 : 2 + g % 3], ',') END,
       (ARRAY['Berlin, Germany', 'Paris, France', 'Rome, Italy'])[1 + g % 3],
       to_char(1000 + g * 9137, 'FM9,999,999'),
       'A post, with commas, about things number ' || g
FROM generate_series(1, 200) g;
