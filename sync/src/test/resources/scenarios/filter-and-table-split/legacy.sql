CREATE SCHEMA legacy;
CREATE TABLE legacy.account (
    acct_no    integer PRIMARY KEY,
    owner      text NOT NULL,
    phone      text,
    email      text,
    is_deleted boolean NOT NULL DEFAULT false
);
INSERT INTO legacy.account VALUES
    (10, 'Ana', '+41 44 000 00 00', 'ana@example.test', false),
    (11, 'Ben', NULL, 'ben@example.test', true),
    (12, 'Cai', '+1 555 0100', NULL, false);
