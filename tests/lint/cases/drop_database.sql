-- expect: drop-database
DROP DATABASE IF EXISTS legacy;
