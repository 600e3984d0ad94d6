BEGIN; TRUNCATE legacy.account_profile; COMMIT;
BEGIN; INSERT INTO legacy.account_profile VALUES (2, 'gold'); COMMIT;
BEGIN; TRUNCATE legacy.account_balance; INSERT INTO legacy.account_balance VALUES (3, 1.00); COMMIT;
BEGIN; TRUNCATE legacy.orders; COMMIT;
BEGIN; INSERT INTO legacy.orders VALUES (2, 'o2 again'); COMMIT;
BEGIN; TRUNCATE legacy.person; INSERT INTO legacy.person VALUES (5, 'Eve', '123'), (6, 'Fay', NULL); COMMIT;
