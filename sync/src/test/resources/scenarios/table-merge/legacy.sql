CREATE SCHEMA legacy;
CREATE TABLE legacy.account (acct_no integer PRIMARY KEY, owner text NOT NULL, is_deleted boolean NOT NULL DEFAULT false);
CREATE TABLE legacy.account_profile (acct_no integer PRIMARY KEY, tier text, email text);
CREATE TABLE legacy.account_balance (acct_no integer PRIMARY KEY, balance numeric(12, 2) NOT NULL);
INSERT INTO legacy.account VALUES (1, 'Ana', false), (2, 'Ben', false), (3, 'Cai', true), (4, 'Dee', false), (6, 'Fay', false);
-- 9 has a profile but no account yet: it is not migrated until the account exists
INSERT INTO legacy.account_profile VALUES (1, 'gold', 'ANA@X.TEST'), (2, 'silver', 'ben@x.test'), (3, 'gold', 'cai@x.test'),
    (9, 'gold', 'Orphan@x.test');
INSERT INTO legacy.account_balance VALUES (1, 12.50), (4, 3.00), (6, 1.00);
