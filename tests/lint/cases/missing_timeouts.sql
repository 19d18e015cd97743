-- expect: lock-timeout, statement-timeout
ALTER TABLE users ADD COLUMN IF NOT EXISTS nickname text;
