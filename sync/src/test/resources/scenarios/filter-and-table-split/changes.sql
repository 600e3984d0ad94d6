UPDATE legacy.account SET is_deleted = true WHERE acct_no = 12;
UPDATE legacy.account SET is_deleted = false, phone = '+44 20 0000' WHERE acct_no = 11;
INSERT INTO legacy.account VALUES (13, 'Dee', NULL, NULL, false);
UPDATE legacy.account SET owner = 'Ana B.' WHERE acct_no = 10;
