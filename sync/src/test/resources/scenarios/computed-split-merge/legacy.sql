CREATE SCHEMA legacy;
CREATE TABLE legacy.person (
    id        bigint PRIMARY KEY,
    full_name text NOT NULL,       -- split into first and last name
    email     text,
    nickname  text,
    street    text,                -- merged with city into one address
    city      text,
    age       integer
);
INSERT INTO legacy.person VALUES
    (1, 'Ada Lovelace', 'ADA@Example.TEST', NULL, '12 St James''s Square', 'London', 36),
    (2, 'Grace Hopper', NULL, 'Amazing Grace', NULL, 'Arlington', 85);
