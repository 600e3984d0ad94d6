CREATE SCHEMA crm;
CREATE TABLE crm.customer (
    id            integer PRIMARY KEY,
    name          text NOT NULL,
    email         text,
    tier          text NOT NULL,
    balance_cents bigint NOT NULL
);
