CREATE SCHEMA legacy;
CREATE TABLE legacy.item (id integer PRIMARY KEY, label text NOT NULL);
INSERT INTO legacy.item VALUES (1, 'one'), (2, 'two');
