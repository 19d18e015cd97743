-- expect: truncate-cascade
SET lock_timeout = '5s'; SET statement_timeout = '60s';
TRUNCATE users CASCADE;
