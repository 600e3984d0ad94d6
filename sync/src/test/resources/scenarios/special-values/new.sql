CREATE SCHEMA app;
CREATE TABLE app.oddity (
    id    integer PRIMARY KEY,
    ts    timestamptz,
    d     date,
    n     numeric,
    f     float8,
    iv    interval,
    m     money,
    b     bytea,
    j     jsonb,
    t     text
);
