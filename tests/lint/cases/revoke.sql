-- expect: revoke
REVOKE SELECT ON users FROM reporting;
