-- expect: not-rerunnable, primary-key-without-index
SET lock_timeout = '5s'; SET statement_timeout = '60s';
ALTER TABLE wishlist ADD PRIMARY KEY (user_id, product_id);
