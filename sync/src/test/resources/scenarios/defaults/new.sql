CREATE SCHEMA app;
CREATE TABLE app.item (
    id        integer PRIMARY KEY,
    label     text NOT NULL,
    source    text NOT NULL,                      -- set by the mapping on insert only
    version   integer NOT NULL DEFAULT 1,         -- a new column with a database default
    notes     text                                -- new, nullable, left alone
);
