INSERT INTO legacy.person VALUES (3, 'Alan Mathison Turing', 'Alan@Bletchley.TEST', NULL, NULL, NULL, NULL);
UPDATE legacy.person SET nickname = 'Countess', city = 'Marylebone' WHERE id = 1;
UPDATE legacy.person SET age = 86, email = 'Grace@Navy.TEST' WHERE id = 2;
