BEGIN; UPDATE legacy.account_profile SET tier = 'platinum' WHERE acct_no = 1; COMMIT;
BEGIN; DELETE FROM legacy.account_balance WHERE acct_no = 4; COMMIT;
BEGIN; INSERT INTO legacy.account_profile VALUES (4, 'silver', 'Dee@X.test'); COMMIT;
BEGIN; INSERT INTO legacy.account VALUES (5, 'Eve', false); INSERT INTO legacy.account_balance VALUES (5, 7.25); COMMIT;
BEGIN; UPDATE legacy.account SET is_deleted = false WHERE acct_no = 3; COMMIT;
BEGIN; UPDATE legacy.account SET is_deleted = true WHERE acct_no = 2; COMMIT;
BEGIN; INSERT INTO legacy.account VALUES (9, 'Ivy', false); COMMIT;
BEGIN; DELETE FROM legacy.account WHERE acct_no = 6; COMMIT;
BEGIN; UPDATE legacy.account_balance SET balance = 13.75 WHERE acct_no = 1; UPDATE legacy.account SET owner = 'Ana B.' WHERE acct_no = 1; COMMIT;
