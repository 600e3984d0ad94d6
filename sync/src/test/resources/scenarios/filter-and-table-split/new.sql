CREATE SCHEMA crm;
CREATE TABLE crm.customer (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE crm.contact (customer_id integer PRIMARY KEY, phone text, email text);
