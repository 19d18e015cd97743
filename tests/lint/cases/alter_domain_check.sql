-- expect: alter-domain-check, lock-timeout, statement-timeout
ALTER DOMAIN positive_int ADD CONSTRAINT positive_int_small CHECK (VALUE < 1000000);
