-- expect: enum-value-ordering
ALTER TYPE order_status ADD VALUE 'refunded';
