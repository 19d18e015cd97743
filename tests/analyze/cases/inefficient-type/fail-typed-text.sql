-- inefficient-type (issue 13 item 2): numbers, booleans and dates stored as text get their real type,
-- with the count of values that do not convert; codes with leading zeros and identifiers stay text
-- expect: 4
-- evidence: values=200 convertible_values=198 values_not_converting=2
CREATE TABLE sales (
    id int PRIMARY KEY,
    price_text text,
    quantity_txt varchar(5) NOT NULL,
    vip_flag varchar(1) NOT NULL,
    shipped_on text,
    zip text NOT NULL,
    order_code text NOT NULL
);
INSERT INTO sales
SELECT g,
       CASE WHEN g % 67 = 0 THEN 'n/a' ELSE to_char(10 + (g % 50) + (g % 4) * 0.25, 'FM999.00') END,
       (1 + g % 9)::text,
       CASE WHEN g % 3 = 0 THEN 'Y' ELSE 'N' END,
       to_char(date '2024-01-01' + g, 'YYYY-MM-DD'),
       lpad((g * 37 % 99999)::text, 5, '0'),
       (1000 + g)::text
FROM generate_series(1, 200) g;
