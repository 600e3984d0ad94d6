CREATE SCHEMA legacy;
CREATE TABLE legacy.product (
    prod_id     integer PRIMARY KEY,
    prod_name   varchar(80) NOT NULL,
    stock_text  text,                 -- a number kept as text
    price       numeric(10,2),        -- dollars
    status_code varchar(3),           -- 'A', 'D', 'DIS'
    attrs       text,                 -- JSON kept as text
    added_at    timestamp             -- local time in UTC, no zone
);
INSERT INTO legacy.product VALUES
    (1, 'Kettle', '12', 19.99, 'A', '{"colour": "red"}', '2021-03-04 05:06:07.123456'),
    (2, 'Toaster', NULL, 0.05, 'D', NULL, NULL);
