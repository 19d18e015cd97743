-- A schema exercising what test data must honour: FKs (composite, self, cycle), enums, checks,
-- unique columns, arrays, jsonb, numeric precision, varchar lengths, uuid, inet, identity/serial.
CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped', 'delivered', 'cancelled');
CREATE DOMAIN rating AS smallint CHECK (VALUE BETWEEN 1 AND 5);

CREATE TABLE countries (
    code char(2) PRIMARY KEY,
    name varchar(60) NOT NULL UNIQUE
);
CREATE TABLE categories (
    id serial PRIMARY KEY,
    parent_id integer REFERENCES categories (id),
    name varchar(80) NOT NULL UNIQUE,
    slug varchar(40) NOT NULL CHECK (slug ~ '^[a-z0-9-]+$')
);
CREATE TABLE customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email varchar(120) NOT NULL UNIQUE CHECK (email ~* '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$'),
    first_name varchar(50) NOT NULL,
    last_name varchar(50) NOT NULL,
    country_code char(2) NOT NULL REFERENCES countries (code),
    referred_by bigint REFERENCES customers (id),
    last_ip inet,
    tags text[],
    preferences jsonb NOT NULL DEFAULT '{}',
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE products (
    id serial PRIMARY KEY,
    sku varchar(32) NOT NULL UNIQUE,
    name varchar(120) NOT NULL,
    category_id integer NOT NULL REFERENCES categories (id),
    price numeric(10, 2) NOT NULL CHECK (price > 0),
    stock integer NOT NULL DEFAULT 0 CHECK (stock >= 0),
    weight_kg numeric(6, 3) CHECK (weight_kg BETWEEN 0.001 AND 500),
    public_id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    status varchar(12) NOT NULL CHECK (status IN ('draft', 'active', 'retired')),
    created_at timestamp NOT NULL DEFAULT now()
);
CREATE TABLE orders (
    id bigserial PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    status order_status NOT NULL DEFAULT 'pending',
    subtotal numeric(12, 2) NOT NULL CHECK (subtotal >= 0),
    tax numeric(12, 2) NOT NULL CHECK (tax >= 0),
    total numeric(12, 2) NOT NULL,
    ordered_at timestamptz NOT NULL,
    shipped_at timestamptz,
    CHECK (total = subtotal + tax),
    CHECK (shipped_at IS NULL OR shipped_at > ordered_at)
);
CREATE TABLE order_items (
    order_id bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line_no integer NOT NULL CHECK (line_no > 0),
    product_id integer NOT NULL REFERENCES products (id),
    quantity integer NOT NULL CHECK (quantity BETWEEN 1 AND 20),
    unit_price numeric(10, 2) NOT NULL CHECK (unit_price >= 0),
    PRIMARY KEY (order_id, line_no)
);
CREATE TABLE reviews (
    id serial PRIMARY KEY,
    product_id integer NOT NULL REFERENCES products (id),
    customer_id bigint NOT NULL REFERENCES customers (id),
    stars rating NOT NULL,
    body text CHECK (length(body) <= 2000),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (product_id, customer_id)
);
CREATE TABLE shipments (
    order_id bigint NOT NULL,
    line_no integer NOT NULL,
    tracking_code varchar(24) NOT NULL UNIQUE,
    carrier text NOT NULL CHECK (carrier = ANY (ARRAY['ups', 'dhl', 'fedex'])),
    FOREIGN KEY (order_id, line_no) REFERENCES order_items (order_id, line_no)
);
-- A cycle with NOT NULL on both sides (as pagila's store <-> staff).
CREATE TABLE warehouses (
    id serial PRIMARY KEY,
    name text NOT NULL,
    manager_id integer NOT NULL
);
CREATE TABLE employees (
    id serial PRIMARY KEY,
    warehouse_id integer NOT NULL REFERENCES warehouses (id),
    full_name text NOT NULL,
    hired_on date NOT NULL
);
ALTER TABLE warehouses ADD FOREIGN KEY (manager_id) REFERENCES employees (id);
CREATE INDEX ON orders (customer_id);
CREATE INDEX ON orders (ordered_at);
-- Identifiers that need quoting: another schema, mixed case, spaces, reserved words.
CREATE SCHEMA "Audit";
CREATE TABLE "Audit"."Event Log" (
    "ID" bigserial PRIMARY KEY,
    "user" bigint REFERENCES customers (id),
    "order" integer NOT NULL CHECK ("order" >= 0),
    "Payload" jsonb,
    happened_at timestamptz NOT NULL
);
