BEGIN;
INSERT INTO legacy.oddity VALUES
    (3, '-infinity', '4713-01-01 BC', 'NaN', '-0', '-1 year -2 months +3 days -00:00:00.000001', -1234.56,
     '\x000000'::bytea, '{"flags": "🏳️‍🌈", "nested": {"k": [1, 2.50, null]}}', E'\ttabbed\n\nlines\n');
COMMIT;
BEGIN; UPDATE legacy.oddity SET id = 10 WHERE id = 1; COMMIT;
BEGIN; UPDATE legacy.oddity SET f = 'Infinity', n = 'NaN', d = '0001-01-01 BC', ts = 'infinity' WHERE id = 2; COMMIT;
BEGIN; UPDATE legacy.oddity SET id = 5, t = E'moved\tkey' WHERE id = 4; COMMIT;
