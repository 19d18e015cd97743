-- expect: domain-check
CREATE DOMAIN positive_int AS bigint CHECK (VALUE > 0);
