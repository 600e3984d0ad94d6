CREATE SCHEMA app;
CREATE TABLE app.note (id integer PRIMARY KEY, body text NOT NULL);
CREATE TABLE app.staging (id integer PRIMARY KEY, payload text);
CREATE TABLE app.open_task (id integer PRIMARY KEY, title text NOT NULL);
CREATE TABLE app.parent (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE app.child (id integer PRIMARY KEY, parent_id integer NOT NULL, qty integer NOT NULL);
