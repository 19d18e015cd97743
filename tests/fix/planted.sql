-- A shop with planted problems for `aishell schema fix` (tests/fix).
CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL, name text NOT NULL);
CREATE TABLE products (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL,
                       price numeric(10,2) NOT NULL CHECK (price >= 0));
CREATE TABLE tags (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL UNIQUE);
-- missing FK index on user_id; user_email copies users.email; 3 negative totals
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                     user_id bigint NOT NULL REFERENCES users(id), user_email text NOT NULL,
                     total numeric(10,2) NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
-- missing FK indexes; quantity never negative (a CHECK that applies cleanly)
CREATE TABLE order_items (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                          order_id bigint NOT NULL REFERENCES orders(id),
                          product_id bigint NOT NULL REFERENCES products(id), quantity integer NOT NULL);
-- junction tables without a primary key: product_tags has no duplicates, wishlist has 4
CREATE TABLE product_tags (product_id bigint NOT NULL REFERENCES products(id), tag_id bigint NOT NULL REFERENCES tags(id));
CREATE TABLE wishlist (user_id bigint NOT NULL REFERENCES users(id), product_id bigint NOT NULL REFERENCES products(id));

INSERT INTO users (email, name) SELECT 'user' || g || '@example.com', 'User ' || g FROM generate_series(1, 50) g;
INSERT INTO products (name, price) SELECT 'Product ' || g, (g * 3) % 97 + 0.5 FROM generate_series(1, 40) g;
INSERT INTO tags (name) SELECT 'tag' || g FROM generate_series(1, 10) g;
INSERT INTO orders (user_id, user_email, total, created_at)
SELECT u, 'user' || u || '@example.com', CASE WHEN g % 100 = 7 THEN -5 ELSE (g * 7) % 500 + 1 END,
       timestamptz '2025-01-01' + g * interval '1 hour'
FROM generate_series(1, 300) g, LATERAL (SELECT (g % 50) + 1 AS u) x;
INSERT INTO order_items (order_id, product_id, quantity)
SELECT (g % 300) + 1, (g % 40) + 1, (g % 5) + 1 FROM generate_series(1, 600) g;
INSERT INTO product_tags SELECT p, t FROM generate_series(1, 40) p, generate_series(1, 2) t;
INSERT INTO wishlist SELECT (g % 50) + 1, (g % 40) + 1 FROM generate_series(1, 96) g;
INSERT INTO wishlist SELECT (g % 50) + 1, (g % 40) + 1 FROM generate_series(1, 4) g;
ANALYZE;
