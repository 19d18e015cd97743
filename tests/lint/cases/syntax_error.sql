-- expect: syntax-error
ALTER TABLE users ADD COLUMN;
