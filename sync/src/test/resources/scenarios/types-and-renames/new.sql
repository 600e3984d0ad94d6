CREATE SCHEMA shop;
CREATE TYPE shop.product_status AS ENUM ('active', 'discontinued', 'draft');
CREATE TABLE shop.product (
    id          integer PRIMARY KEY,
    name        varchar(80) NOT NULL,
    stock       integer,
    price_cents bigint,
    status      shop.product_status,
    attributes  jsonb,
    added_at    timestamptz
);
