CREATE SCHEMA crm;
CREATE TABLE crm.customer (id integer PRIMARY KEY, name text NOT NULL, tier text NOT NULL, balance_cents bigint NOT NULL);
CREATE TABLE crm.order_view (id integer PRIMARY KEY, label text NOT NULL, note text);
CREATE TABLE crm.person_name (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE crm.person_phone (id integer PRIMARY KEY, phone text NOT NULL);
