CREATE SCHEMA legacy;
CREATE TABLE legacy.oddity (
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
INSERT INTO legacy.oddity VALUES
    (1, 'infinity', '0044-03-15 BC', 'NaN', 'Infinity', '1 year 2 months 3 days 04:05:06.789', 1234.56,
     '\x00ff0000'::bytea, '{"emoji": "🎉 😀"}', E'tab\there\nnewline\r\nend'),
    (2, '-infinity', 'infinity', '-1.50', '-0', '-14 months', -0.01, '\x00'::bytea, '["🦄"]', ''),
    (4, '2024-02-29 23:59:59.999999+00', '-infinity', '0.000000000000000000001', '-Infinity', '0', 0, '\x'::bytea,
     '{}', E'\\N');
