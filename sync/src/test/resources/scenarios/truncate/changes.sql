BEGIN; INSERT INTO legacy.note VALUES (3, 'before the truncate'); UPDATE legacy.note SET body = 'updated before' WHERE id = 1; COMMIT;
BEGIN; TRUNCATE legacy.note; COMMIT;
BEGIN; INSERT INTO legacy.note VALUES (1, 'after the truncate'), (4, 'after the truncate'); COMMIT;
BEGIN; UPDATE legacy.note SET body = 'updated after' WHERE id = 4; COMMIT;
BEGIN; INSERT INTO legacy.staging VALUES (3, 'old batch'); TRUNCATE legacy.staging; INSERT INTO legacy.staging VALUES (1, 'new batch'), (5, 'new batch'); COMMIT;
BEGIN; TRUNCATE legacy.task; INSERT INTO legacy.task VALUES (7, 'open', 'again'), (8, 'done', 'never'); COMMIT;
BEGIN; TRUNCATE legacy.parent, legacy.child CASCADE; COMMIT;
BEGIN; INSERT INTO legacy.parent VALUES (3, 'p3'); INSERT INTO legacy.child VALUES (12, 3, 7); COMMIT;
