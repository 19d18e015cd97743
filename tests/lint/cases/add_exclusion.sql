-- expect: exclusion-constraint, not-rerunnable
SET lock_timeout = '5s'; SET statement_timeout = '60s';
ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (room_id WITH =, during WITH &&);
